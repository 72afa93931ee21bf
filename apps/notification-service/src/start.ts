// notification-service: config → database (migrated) → app → listen → wake
// the dispatcher (it takes over at once what this worker's previous process
// left mid-send). On SIGTERM, sends in flight get most of the shutdown time to
// finish; what is left is abandoned unsent and due again at once.
import { randomUUID } from 'node:crypto';
import { startHttpService } from '@orderflow/service-kit';
import { buildNotificationApp } from './app';
import { loadNotificationServiceConfig } from './config';
import { migrations } from './data/migrations';
import { DaprSmtpEmailSender } from './sidecar/smtp-email-sender';

/** The binding's last step may wait 10 minutes for the server's final reply (RFC 5321 §4.5.3.2.6). */
const FINAL_REPLY_WAIT_MS = 10 * 60_000;

startHttpService({
  service: 'notification-service',
  loadConfig: loadNotificationServiceConfig,
  migrations,
  wire: ({ config, logger, db, sidecar }) => {
    const email = new DaprSmtpEmailSender(sidecar, {
      bindingName: config.EMAIL_BINDING_NAME,
      from: config.EMAIL_FROM,
      callTimeoutMs: config.EMAIL_SEND_WINDOW_MS + FINAL_REPLY_WAIT_MS + 60_000,
    });
    const { app, dispatcher } = buildNotificationApp({
      db,
      email,
      dispatch: {
        maxConcurrentSends: config.EMAIL_MAX_CONCURRENT_SENDS,
        leaseMs: config.EMAIL_SEND_LEASE_MS,
        sendWindowMs: config.EMAIL_SEND_WINDOW_MS,
        retryBaseMs: config.EMAIL_RETRY_BASE_MS,
        retryMaxMs: config.EMAIL_RETRY_MAX_MS,
        claimant: { workerId: config.WORKER_ID, incarnation: randomUUID() },
      },
      logger,
      bodyLimit: config.BODY_LIMIT,
      appApiToken: config.APP_API_TOKEN,
    });
    logger.info({ workerId: config.WORKER_ID }, 'e-mail dispatcher ready');
    return {
      app,
      started: () => void dispatcher.wake({ abandoned: true }),
      stopBackgroundWork: () => dispatcher.stop(Math.max(1_000, config.SHUTDOWN_TIMEOUT_MS - 3_000)),
    };
  },
});
