import { commonEnv, loadConfig, positiveInt } from '@orderflow/service-kit';
import { z } from 'zod';

const configShape = {
  ...commonEnv({
    appPort: 3002,
    daprHttpPort: 3502,
    // Development default only: the local cluster's dev password (scripts/lib/postgres.mjs).
    databaseUrl: 'postgres://payments_service:payments-dev-password@127.0.0.1:5432/orderflow_payments',
  }),
  /** The Dapr pub/sub component (components/kafka-pubsub.yaml) events go out through. */
  PUBSUB_NAME: z.string().default('kafka-pubsub'),
  /** How often the outbox relay looks for events that could not be published at once. */
  OUTBOX_POLL_INTERVAL_MS: positiveInt(1_000),
  /** Events handed to the sidecar per relay transaction. */
  OUTBOX_BATCH_SIZE: positiveInt(100),
};

export type PaymentServiceConfig = ReturnType<typeof loadPaymentServiceConfig>;

export function loadPaymentServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(configShape, env);
}
