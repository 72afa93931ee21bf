// Builds notification-service's HTTP app and its e-mail dispatcher from their
// dependencies, without listening or sending: start.ts wires the real ones and
// wakes the dispatcher; the HTTP tests build it over a real PostgreSQL, with
// test-support/stub-sidecar.ts answering as the sidecar (notification-test-app.ts).
import { createHttpApp, databaseAnswers, traceIdOf, type Knex, type Logger } from '@orderflow/service-kit';
import { EmailDispatcher, type DispatchObserver, type DispatchOptions } from './domain/dispatch-emails';
import type { EmailSender } from './domain/email-sender';
import type { ClaimedNotification } from './domain/notification-repository';
import { KnexNotificationRepository } from './data/notification-repository';
import { DISPATCH_ROUTE, dispatchRoutes } from './http/dispatch-routes';
import { eventRoutes } from './http/event-routes';
import { notificationRoutes } from './http/notification-routes';
import { createNotificationMetrics, type NotificationMetrics } from './metrics';
import { notificationServiceOpenApi } from './http/openapi';

export interface NotificationAppDeps {
  db: Knex;
  email: EmailSender;
  dispatch: DispatchOptions;
  logger: Logger;
  bodyLimit: string;
  appApiToken?: string | undefined;
}

/** What the dispatcher reports, as metrics and log lines (with the trace id of the event the e-mail answers). */
function dispatchObserver(metrics: NotificationMetrics, logger: Logger): DispatchObserver {
  const about = (notification: ClaimedNotification) => ({
    notificationId: notification.id,
    orderReference: notification.payment.orderReference,
    attempts: notification.attempts,
    traceId: traceIdOf(notification.traceParent ?? undefined),
  });
  return {
    sent: (notification) => {
      metrics.emails.inc({ result: 'sent' });
      logger.info(about(notification), 'e-mail sent');
    },
    failed: (notification, failure, retryInMs) => {
      metrics.emails.inc({ result: 'failed' });
      metrics.smtpFailures.inc({ class: failure.failureClass });
      logger.warn(
        { ...about(notification), failureClass: failure.failureClass, certainty: failure.certainty, retryInMs, error: failure.message },
        'e-mail not sent; trying again later',
      );
    },
    undeliverable: (notification, failure) => {
      metrics.emails.inc({ result: 'undeliverable' });
      metrics.smtpFailures.inc({ class: failure.failureClass });
      logger.warn({ ...about(notification), error: failure.message }, 'e-mail undeliverable: the server refused the recipient for good');
    },
    unrenderable: (notification, reason) => {
      metrics.emails.inc({ result: 'unrenderable' });
      logger.error({ ...about(notification), error: reason }, 'e-mail unrenderable: its stored payment cannot make one; not sent, not retried');
    },
    ambiguous: (notification, why) => {
      metrics.ambiguousSends.inc({ why });
      logger.warn({ ...about(notification), why }, 'e-mail outcome unknown: it is sent again and may arrive twice');
    },
    leaseLost: (notification) => {
      metrics.leasesLost.inc();
      logger.error(about(notification), 'lost the lease of an e-mail in flight');
    },
    error: (error, what) => logger.error({ err: error }, `e-mail dispatcher: ${what} failed; trying again`),
  };
}

export function buildNotificationApp(deps: NotificationAppDeps) {
  const notifications = new KnexNotificationRepository(deps.db);
  const metrics = createNotificationMetrics(notifications);
  const dispatcher = new EmailDispatcher({ notifications, email: deps.email, observer: dispatchObserver(metrics, deps.logger) }, deps.dispatch);
  const emailOwed = () => void dispatcher.wake();
  const app = createHttpApp({
    metrics,
    openApi: notificationServiceOpenApi,
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    appApiToken: deps.appApiToken,
    readiness: () => databaseAnswers(deps.db),
    tickRoutes: [DISPATCH_ROUTE],
    routes: (router) => {
      eventRoutes({ notifications, metrics, emailOwed })(router);
      dispatchRoutes({ dispatcher })(router);
      notificationRoutes({ notifications, emailOwed })(router);
    },
  });
  return { app, dispatcher };
}
