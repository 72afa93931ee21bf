// notification-service: config → database (migrated) → app → listen. The
// sidecar delivers payment-topic events to it once it is listening.
import { closeServer, createDatabase, createLogger, listen, migrate, runService, SidecarClient } from '@orderflow/service-kit';
import { buildNotificationApp } from './app';
import { loadNotificationServiceConfig } from './config';
import { migrations } from './data/migrations';
import { DaprSmtpEmailSender } from './sidecar/smtp-email-sender';

const SERVICE = 'notification-service';
const bootLogger = createLogger(SERVICE);

runService({
  logger: bootLogger,
  shutdownTimeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000),
  async start() {
    const config = loadNotificationServiceConfig();
    const logger = createLogger(SERVICE, config.LOG_LEVEL);
    const db = createDatabase(config.DATABASE_URL, config.DATABASE_POOL_MAX);
    if (config.MIGRATE_ON_START) {
      const applied = await migrate(db, migrations);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
    const sidecar = new SidecarClient({ host: config.DAPR_HOST, port: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN });
    const email = new DaprSmtpEmailSender(sidecar, { bindingName: config.EMAIL_BINDING_NAME, from: config.EMAIL_FROM });
    const app = buildNotificationApp({
      db,
      email,
      claimTimeoutMs: config.SEND_CLAIM_TIMEOUT_MS,
      logger,
      bodyLimit: config.BODY_LIMIT,
      appApiToken: config.APP_API_TOKEN,
    });
    const server = await listen(app, config.APP_HOST, config.APP_PORT);
    logger.info({ host: config.APP_HOST, port: config.APP_PORT, sidecar: sidecar.baseUrl }, 'notification-service listening');

    return async () => {
      // Deliveries in flight are HTTP requests: closing the server waits for them.
      await closeServer(server);
      await db.destroy();
    };
  },
});
