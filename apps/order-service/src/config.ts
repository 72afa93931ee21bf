import { commonEnv, loadConfig, positiveInt } from '@orderflow/service-kit';
import { z } from 'zod';

export const configShape = {
  ...commonEnv({
    appPort: 3001,
    daprHttpPort: 3501,
    // Development default only: the local cluster's dev password (scripts/lib/postgres.mjs).
    databaseUrl: 'postgres://orders_service:orders-dev-password@127.0.0.1:5432/orderflow_orders',
  }),
  /** The Dapr app-id of payment-service, resolved by the sidecar. */
  PAYMENT_APP_ID: z.string().default('payment-service'),
  /** Backstop for one payment call; the sidecar's resiliency timeout (dapr/resiliency.yaml) answers first. */
  PAYMENT_CALL_TIMEOUT_MS: positiveInt(5_000),
  /** How long an Idempotency-Key on POST /orders is remembered (then it may be reused). */
  IDEMPOTENCY_KEY_TTL_HOURS: positiveInt(24),
  /** Pending orders one retry sweep claims, how many it tries at once, and how long a claim lasts. */
  PAYMENT_SWEEP_BATCH_SIZE: positiveInt(100),
  PAYMENT_SWEEP_CONCURRENCY: positiveInt(8),
  PAYMENT_SWEEP_LEASE_MS: positiveInt(30_000),
  /** Orders one customer may place per minute (per replica); more answer 429 with Retry-After. */
  ORDERS_PER_CUSTOMER_PER_MINUTE: positiveInt(60),
};

export type OrderServiceConfig = ReturnType<typeof loadOrderServiceConfig>;

export function loadOrderServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(configShape, env);
}
