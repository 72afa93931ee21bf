import { commonEnv, ConfigError, loadConfig, positiveInt } from '@orderflow/service-kit';
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
  /**
   * The longest one payment call can take: this process gives up then. The
   * sidecar's resiliency (dapr/resiliency.yaml: 1 s timeout, one retry) answers
   * first, in about 2.2 s at worst.
   */
  PAYMENT_CALL_TIMEOUT_MS: positiveInt(5_000),
  /**
   * How long the sweep leaves a new order to the request that placed it (and a
   * repeat of its Idempotency-Key answers 409): after it, the request can no
   * longer be running, so a sweep charges the order if that request died, and
   * a repeat answers the order's state. Longer than PAYMENT_CALL_TIMEOUT_MS.
   */
  PAYMENT_GRACE_MS: positiveInt(30_000),
  /** How long an Idempotency-Key on POST /orders is remembered (then it may be reused). */
  IDEMPOTENCY_KEY_TTL_HOURS: positiveInt(24),
  /**
   * Pending orders one retry sweep tries at most, how many at once, and how
   * long each claim lasts (longer than PAYMENT_CALL_TIMEOUT_MS: a lease that runs
   * out while its call is still running lets another sweep try the same order).
   */
  PAYMENT_SWEEP_BATCH_SIZE: positiveInt(100),
  PAYMENT_SWEEP_CONCURRENCY: positiveInt(8),
  PAYMENT_SWEEP_LEASE_MS: positiveInt(30_000),
  /** Orders one customer may place per minute (per replica); more answer 429 with Retry-After. */
  ORDERS_PER_CUSTOMER_PER_MINUTE: positiveInt(60),
};

export type OrderServiceConfig = ReturnType<typeof loadOrderServiceConfig>;

export function loadOrderServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(configShape, env);
  const tooShort = (['PAYMENT_GRACE_MS', 'PAYMENT_SWEEP_LEASE_MS'] as const).filter(
    (name) => config[name] <= config.PAYMENT_CALL_TIMEOUT_MS,
  );
  if (tooShort.length > 0) {
    throw new ConfigError(
      `invalid configuration in the environment:\n${tooShort
        .map((name) => `  ${name}: must be longer than PAYMENT_CALL_TIMEOUT_MS (${config.PAYMENT_CALL_TIMEOUT_MS}), the longest a payment call takes`)
        .join('\n')}`,
    );
  }
  return config;
}
