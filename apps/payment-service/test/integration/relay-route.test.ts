// POST /outbox-relay, the tick of the Dapr cron binding `outbox-relay`
// (components/outbox-relay.yaml), on a real database: it publishes what waits in
// the outbox with no payment to wake the relay, runs one relay at a time, and
// answers only the app's own sidecar.
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { startStubSidecar, type StubSidecar } from '../../../../test-support/stub-sidecar';
import { migrations } from '../../src/data/migrations';
import { until } from '../../../../test-support/until';
import { buildTestPaymentApp, paymentRequest, publisherFor, startClean, TEST_APP_TOKEN, viaSidecar } from './payment-test-app';

let database: TestDatabase;
let sidecar: StubSidecar;

beforeAll(async () => {
  database = await createTestDatabase('payment-service', migrations);
  sidecar = await startStubSidecar();
});

afterAll(async () => {
  await sidecar.close();
  await database.drop();
});

beforeEach(() => startClean(database.db, sidecar));

let sequence = 0;
/** A payment recorded by an app whose relay is stopped: its event waits in the outbox, and nothing woke a relay. */
async function eventLeftInTheOutbox(): Promise<string> {
  const orderReference = `ORD-RELAY${Date.now()}${(sequence += 1)}`;
  const { app } = buildTestPaymentApp(database.db);
  const recorded = await request(app)
    .post('/payments')
    .send(paymentRequest({ orderReference }));
  expect(recorded.status).toBe(201);
  return orderReference;
}

const publishedAt = async (orderReference: string) =>
  (await database.db('outbox_events').where({ partition_key: orderReference }).first()).published_at as Date | null;

/** A moment later, the event is still unpublished and nothing reached the sidecar. */
async function expectNothingRelayed(orderReference: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await publishedAt(orderReference)).toBeNull();
  expect(sidecar.requests).toHaveLength(0);
}

/** The app as the service runs it: the relay running, the real publisher, guarded by the app token. */
const runningApp = () => buildTestPaymentApp(database.db, { publisher: publisherFor(sidecar.port), appApiToken: TEST_APP_TOKEN }, { relay: 'running' });

describe('POST /outbox-relay (the cron binding\'s tick)', () => {
  it('publishes an event left in the outbox through the sidecar and marks it sent, with no payment to wake the relay', async () => {
    const orderReference = await eventLeftInTheOutbox();
    const { app, relay } = runningApp();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await publishedAt(orderReference)).toBeNull(); // nothing relays it but the tick

    const tick = await viaSidecar(app).post('/outbox-relay');

    expect(tick.status).toBe(200);
    expect(tick.body).toEqual({ relaying: true });
    await until('the event marked sent', async () => (await publishedAt(orderReference)) !== null, 5_000);
    const published = sidecar.requests.filter((call) => call.path.startsWith('/v1.0/publish/kafka-pubsub/payment-topic'));
    expect(published.map((call) => (call.body as { data: { orderReference: string } }).data.orderReference)).toEqual([orderReference]);
    await relay.stop();
  });

  it('when a tick comes while a relay run goes on, answers that it skipped, and the event goes out once', async () => {
    const orderReference = await eventLeftInTheOutbox();
    sidecar.answerWith(() => ({ status: 204, delayMs: 500 })); // a slow publish keeps the run going
    const { app, relay } = runningApp();

    const first = await viaSidecar(app).post('/outbox-relay');
    const second = await viaSidecar(app).post('/outbox-relay');

    expect(first.body).toEqual({ relaying: true });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ skipped: 'previous relay run still going' });
    await until('the event marked sent', async () => (await publishedAt(orderReference)) !== null, 5_000);
    expect(sidecar.requests.filter((call) => call.path.startsWith('/v1.0/publish/'))).toHaveLength(1);
    await relay.stop();
  });

  it('before the relay is started (the sidecar does not answer yet), answers "relay not started" and publishes nothing', async () => {
    const orderReference = await eventLeftInTheOutbox();
    // As start.ts builds it, before `started`.
    const { app, relay } = buildTestPaymentApp(database.db, { publisher: publisherFor(sidecar.port), appApiToken: TEST_APP_TOKEN }, { relay: 'paused' });

    const tick = await viaSidecar(app).post('/outbox-relay');

    expect(tick.status).toBe(200);
    expect(tick.body).toEqual({ skipped: 'relay not started' });
    await expectNothingRelayed(orderReference);
    await relay.stop();
  });

  it('once the relay is stopped (the service shuts down), answers "relay stopped" and publishes nothing', async () => {
    const orderReference = await eventLeftInTheOutbox();
    const { app, relay } = runningApp();
    await relay.stop();

    const tick = await viaSidecar(app).post('/outbox-relay');

    expect(tick.status).toBe(200);
    expect(tick.body).toEqual({ skipped: 'relay stopped' });
    await expectNothingRelayed(orderReference);
  });

  it('refuses a caller without the app token (401 problem+json) and relays nothing', async () => {
    const orderReference = await eventLeftInTheOutbox();
    const { app, relay } = runningApp();

    for (const token of [undefined, 'not-the-sidecars-token-0123']) {
      const call = request(app).post('/outbox-relay');
      const refused = await (token ? call.set('dapr-api-token', token) : call);
      expect(refused.status).toBe(401);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    await expectNothingRelayed(orderReference);
    await relay.stop();
  });
});

describe('a recorded payment wakes the relay', () => {
  it('when POST /payments records a payment, its event is published through the sidecar within a second, with no tick', async () => {
    const { app, relay } = runningApp();
    const orderReference = `ORD-WAKE${Date.now()}${(sequence += 1)}`;
    const started = Date.now();

    const recorded = await viaSidecar(app)
      .post('/payments')
      .send(paymentRequest({ orderReference }));

    expect(recorded.status).toBe(201);
    await until('the event marked sent', async () => (await publishedAt(orderReference)) !== null, 5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    const published = sidecar.requests.filter((call) => call.path.startsWith('/v1.0/publish/kafka-pubsub/payment-topic'));
    expect(published.map((call) => (call.body as { data: { orderReference: string } }).data.orderReference)).toEqual([orderReference]);
    await relay.stop();
  });
});
