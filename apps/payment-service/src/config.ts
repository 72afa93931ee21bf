import { commonEnv, configError, loadConfig, positiveInt } from '@orderflow/service-kit';
import { z } from 'zod';
import { PUBLISH_DEADLINE_MS } from './sidecar/event-publisher';

const configShape = {
  ...commonEnv({
    appPort: 3002,
    daprHttpPort: 3502,
    // Development default only: the local cluster's dev password (tools/devstack/pieces/postgres.mjs).
    databaseUrl: 'postgres://payments_service:payments-dev-password@127.0.0.1:5432/orderflow_payments',
  }),
  /** The Dapr pub/sub component (components/kafka-pubsub.yaml) events go out through. */
  PUBSUB_NAME: z.string().default('kafka-pubsub'),
  /** Events one relay claims per round. */
  OUTBOX_BATCH_SIZE: positiveInt(100),
  /**
   * How long a relay's claim keeps other relays (replicas) off the events it
   * publishes; when it runs out (the relay died), another relay publishes them.
   * At least twice the wait for one publish (PUBLISH_DEADLINE_MS): a relay starts
   * publishes for the first (lease − that wait) of its claim and releases the
   * rest, so every publish it starts ends while the claim holds. A crash delays
   * its events by at most this; a stopping relay releases them at once.
   */
  OUTBOX_CLAIM_LEASE_MS: positiveInt(60_000),
};

export function loadPaymentServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(configShape, env);
  if (config.OUTBOX_CLAIM_LEASE_MS < 2 * PUBLISH_DEADLINE_MS) {
    throw configError([
      {
        variable: 'OUTBOX_CLAIM_LEASE_MS',
        problem:
          `must be at least twice the relay's wait for one publish (2 × ${PUBLISH_DEADLINE_MS}), not ${config.OUTBOX_CLAIM_LEASE_MS}: ` +
          'a claim must leave room for its publishes to start and end',
      },
    ]);
  }
  return config;
}
