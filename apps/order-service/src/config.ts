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
};

export type OrderServiceConfig = ReturnType<typeof loadOrderServiceConfig>;

export function loadOrderServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(configShape, env);
}
