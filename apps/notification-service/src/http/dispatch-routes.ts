// The Dapr cron input binding `email-dispatch` (components/email-dispatch.yaml)
// POSTs here on its schedule: the tick that picks up e-mails due after their
// backoff and takes over those whose holder is gone. New e-mails do not wait
// for it: recording one wakes the dispatcher at once. The tick returns at
// once; sends run on (they may take minutes while a server is slow).
import type { Router } from 'express';
import type { EmailDispatcher } from '../domain/dispatch-emails';

export const DISPATCH_ROUTE = '/email-dispatch';

export function dispatchRoutes(deps: { dispatcher: EmailDispatcher }) {
  return (router: Router) => {
    router.post(DISPATCH_ROUTE, (_req, res) => {
      void deps.dispatcher.wake({ abandoned: true });
      res.status(200).json({ sending: deps.dispatcher.sending });
    });
  };
}
