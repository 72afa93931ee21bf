// Builds notification-service's HTTP app from its dependencies, without listening.
import { createHttpApp, databaseAnswers, type Knex, type Logger } from '@orderflow/service-kit';
import type { EmailSender } from './domain/email-sender';
import { KnexNotificationRepository } from './data/notification-repository';
import { eventRoutes } from './http/event-routes';
import { notificationRoutes } from './http/notification-routes';
import { createNotificationMetrics } from './metrics';
import { notificationServiceOpenApi } from './http/openapi';

export interface NotificationAppDeps {
  db: Knex;
  email: EmailSender;
  claimTimeoutMs: number;
  logger: Logger;
  bodyLimit: string;
  appApiToken?: string | undefined;
}

export function buildNotificationApp(deps: NotificationAppDeps) {
  const notifications = new KnexNotificationRepository(deps.db);
  const metrics = createNotificationMetrics(notifications);
  const events = eventRoutes({ notifications, email: deps.email, claimTimeoutMs: deps.claimTimeoutMs, metrics });
  const queries = notificationRoutes({ notifications });
  return createHttpApp({
    metrics,
    openApi: notificationServiceOpenApi,
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    appApiToken: deps.appApiToken,
    readiness: () => databaseAnswers(deps.db),
    routes: (router) => {
      events(router);
      queries(router);
    },
  });
}
