// order-service: config → database (migrated) → app → listen; SIGTERM drains.
import { closeServer, createDatabase, createLogger, listen, migrate, runService, SidecarClient } from '@orderflow/service-kit';
import { buildOrderApp } from './app';
import { loadOrderServiceConfig } from './config';
import { migrations } from './data/migrations';
import { DaprPaymentClient } from './sidecar/payment-client';

const SERVICE = 'order-service';
const bootLogger = createLogger(SERVICE);

runService({
  logger: bootLogger,
  shutdownTimeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000),
  async start() {
    const config = loadOrderServiceConfig();
    const logger = createLogger(SERVICE, config.LOG_LEVEL);
    const db = createDatabase(config.DATABASE_URL, config.DATABASE_POOL_MAX);
    if (config.MIGRATE_ON_START) {
      const applied = await migrate(db, migrations);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
    const sidecar = new SidecarClient({ host: config.DAPR_HOST, port: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN });
    const payments = new DaprPaymentClient(sidecar, {
      appId: config.PAYMENT_APP_ID,
      timeoutMs: config.PAYMENT_CALL_TIMEOUT_MS,
      logger,
    });
    const app = buildOrderApp({
      db,
      payments,
      logger,
      bodyLimit: config.BODY_LIMIT,
      appApiToken: config.APP_API_TOKEN,
      idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
      ordersPerCustomerPerMinute: config.ORDERS_PER_CUSTOMER_PER_MINUTE,
      sweep: {
        batchSize: config.PAYMENT_SWEEP_BATCH_SIZE,
        concurrency: config.PAYMENT_SWEEP_CONCURRENCY,
        leaseMs: config.PAYMENT_SWEEP_LEASE_MS,
      },
    });
    const server = await listen(app, config.APP_HOST, config.APP_PORT);
    logger.info({ host: config.APP_HOST, port: config.APP_PORT, sidecar: sidecar.baseUrl }, 'order-service listening');

    return async () => {
      await closeServer(server);
      await db.destroy();
    };
  },
});
