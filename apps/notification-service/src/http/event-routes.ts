// Deliveries from the sidecar. The route is named in the declarative
// Subscription (components/subscription-payment-topic.yaml); the answer's
// `status` tells the sidecar what to do with the message.
import type { Router } from 'express';
import { parseInput, traceHeaders } from '@orderflow/service-kit';
import { z } from 'zod';
import { handlePaymentConfirmed, type HandlerDeps } from '../domain/handle-payment-confirmed';
import type { NotificationMetrics } from '../metrics';

export const PAYMENT_CONFIRMED_ROUTE = '/events/payment-confirmed';

/** What the sidecar delivers: a CloudEvent, i.e. a JSON object; its content is judged by the handler. */
export const deliverySchema = z.looseObject({}).meta({ description: 'A CloudEvent 1.0 (structured mode)' });

export function eventRoutes(deps: HandlerDeps & { metrics: NotificationMetrics }) {
  return (router: Router) => {
    router.post(PAYMENT_CONFIRMED_ROUTE, async (req, res) => {
      const delivery = parseInput(deliverySchema, req.body);
      const verdict = await handlePaymentConfirmed(delivery, deps, { traceHeaders: traceHeaders(req) });
      deps.metrics.deliveries.inc({ verdict: verdict.status });
      if (verdict.email !== 'none') deps.metrics.emails.inc({ result: verdict.email });
      const eventId = (req.body as { id?: unknown } | undefined)?.id;
      const level = verdict.status === 'SUCCESS' ? 'info' : 'warn';
      res.locals.log[level]({ eventId, verdict: verdict.status, reason: verdict.reason }, 'payment.confirmed delivery handled');
      // RETRY with a 2xx is Dapr's documented way to ask for redelivery without it counting as an app crash.
      res.status(200).json({ status: verdict.status });
    });
  };
}
