// payment-service as its HTTP tests build it: a real database, the real event
// publisher against a stub sidecar (test-support/stub-sidecar.ts) when a test
// brings one, and the outbox relay stopped unless the test asks for it, so a
// test that drives the relay itself counts its own rounds.
import { DaprSidecar, type Knex } from '@orderflow/service-kit';
import { buildPaymentApp, type PaymentAppDeps } from '../../src/app';
import type { EventPublisher } from '../../src/domain/event-publisher';
import { loadPaymentServiceConfig } from '../../src/config';
import { DaprEventPublisher, PUBLISH_DEADLINE_MS } from '../../src/sidecar/event-publisher';
import { testLogger } from '../../../../test-support/logger';
import { TEST_APP_TOKEN, viaSidecar } from '../../../../test-support/via-sidecar';
import type { StubSidecar } from '../../../../test-support/stub-sidecar';


const defaults = loadPaymentServiceConfig({});
/** The relay's settings in tests: the service's defaults (config.ts, PUBLISH_DEADLINE_MS), read from there. */
export const TEST_RELAY_OPTIONS = {
  batchSize: defaults.OUTBOX_BATCH_SIZE,
  leaseMs: defaults.OUTBOX_CLAIM_LEASE_MS,
  publishDeadlineMs: PUBLISH_DEADLINE_MS,
};

/** The real publisher, through a stub sidecar on `sidecarPort`. */
export function publisherFor(sidecarPort: number): DaprEventPublisher {
  return new DaprEventPublisher(new DaprSidecar({ host: '127.0.0.1', port: sidecarPort }), 'kafka-pubsub');
}

/** For tests with no sidecar: any publish fails, as with the sidecar down. */
const noSidecar: EventPublisher = {
  publish: async () => {
    throw new Error('this test app has no sidecar');
  },
};

export function buildTestPaymentApp(db: Knex, overrides: Partial<PaymentAppDeps> = {}, options: { relay?: 'running' | 'paused' | 'stopped' } = {}) {
  const built = buildPaymentApp({
    db,
    publisher: noSidecar,
    relay: TEST_RELAY_OPTIONS,
    logger: testLogger,
    bodyLimit: '64kb',
    ...overrides,
  });
  // 'paused': as start.ts has it before `started` (the sidecar does not answer yet).
  if (options.relay === 'running') built.relay.start();
  else if (options.relay !== 'paused') void built.relay.stop();
  return built;
}


/** Marks every event still in the outbox published: earlier tests' events are not this test's business. */
export async function forgetUnpublishedEvents(db: Knex): Promise<void> {
  await db('outbox_events').whereNull('published_at').update({ published_at: db.fn.now() });
}

/** Each test starts clean: a sidecar that accepts every publish and remembers none yet, an outbox with nothing pending. */
export async function startClean(db: Knex, sidecar: StubSidecar): Promise<void> {
  sidecar.requests.length = 0;
  sidecar.answerWith(() => ({ status: 204 }));
  await forgetUnpublishedEvents(db);
}

/** The customer of the tests' payments. */
export const TEST_CUSTOMER = { id: 'cust-42', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };

let sequence = 0;
/** A valid POST /payments body, its order reference used by no other test; `overrides` replace fields. */
export const paymentRequest = (overrides: object = {}) => ({
  orderReference: `ORD-TEST${Date.now()}${(sequence += 1)}`,
  amount: '49.90',
  currency: 'EUR',
  paymentMethod: 'VISA',
  customer: TEST_CUSTOMER,
  ...overrides,
});

export { TEST_APP_TOKEN, viaSidecar };
