// notification-service: config → database (migrated) → app → listen. The
// sidecar delivers payment-topic events to it once it is listening; deliveries
// in flight are HTTP requests, so SIGTERM's drain waits for them.
import { startHttpService } from '@orderflow/service-kit';
import { buildNotificationApp } from './app';
import { loadNotificationServiceConfig } from './config';
import { migrations } from './data/migrations';
import { DaprSmtpEmailSender } from './sidecar/smtp-email-sender';

startHttpService({
  service: 'notification-service',
  loadConfig: loadNotificationServiceConfig,
  migrations,
  wire: ({ config, logger, db, sidecar }) => {
    const email = new DaprSmtpEmailSender(sidecar, {
      bindingName: config.EMAIL_BINDING_NAME,
      from: config.EMAIL_FROM,
      maxConcurrentSends: config.EMAIL_MAX_CONCURRENT_SENDS,
    });
    const app = buildNotificationApp({
      db,
      email,
      claimTimeoutMs: config.SEND_CLAIM_TIMEOUT_MS,
      logger,
      bodyLimit: config.BODY_LIMIT,
      appApiToken: config.APP_API_TOKEN,
    });
    return { app };
  },
});
