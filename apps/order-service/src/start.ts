// order-service: config → database (migrated) → app → listen; SIGTERM drains.
import { startHttpService } from '@orderflow/service-kit';
import { buildOrderApp } from './app';
import { loadOrderServiceConfig } from './config';
import { migrations } from './data/migrations';
import { DaprPaymentClient } from './sidecar/payment-client';

startHttpService({
  service: 'order-service',
  loadConfig: loadOrderServiceConfig,
  migrations,
  wire: ({ config, logger, db, sidecar }) => {
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
      paymentGraceMs: config.PAYMENT_GRACE_MS,
      ordersPerCustomerPerMinute: config.ORDERS_PER_CUSTOMER_PER_MINUTE,
      sweep: {
        batchSize: config.PAYMENT_SWEEP_BATCH_SIZE,
        concurrency: config.PAYMENT_SWEEP_CONCURRENCY,
        leaseMs: config.PAYMENT_SWEEP_LEASE_MS,
      },
    });
    return { app };
  },
});
