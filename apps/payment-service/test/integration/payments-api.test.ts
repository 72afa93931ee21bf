import request from 'supertest';
import { paymentServiceAsyncApi } from '../../src/http/asyncapi';
import { paymentServiceOpenApi } from '../../src/http/openapi';
import { answeredRoutes, documentedRoutes } from '../../../../test-support/openapi-drift';
import { migrations } from '../../src/data/migrations';
import { KnexPaymentRepository } from '../../src/data/payment-repository';
import { relayOutbox } from '../../src/domain/relay-outbox';
import type { DaprEventPublisher } from '../../src/sidecar/event-publisher';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { startStubSidecar, type StubSidecar } from '../../../../test-support/stub-sidecar';
import { validatePaymentConfirmed } from '../../../../test-support/event-schema';
import { buildTestPaymentApp, paymentRequest, publisherFor, startClean, TEST_CUSTOMER, TEST_RELAY_OPTIONS } from './payment-test-app';

const customer = TEST_CUSTOMER;
const relayOptions = TEST_RELAY_OPTIONS;

let database: TestDatabase;
let sidecar: StubSidecar;
let payments: KnexPaymentRepository;
let publisher: DaprEventPublisher;
let app: ReturnType<typeof buildTestPaymentApp>['app'];

beforeAll(async () => {
  database = await createTestDatabase('payment-service', migrations);
  sidecar = await startStubSidecar(() => ({ status: 204 }));
  payments = new KnexPaymentRepository(database.db);
  publisher = publisherFor(sidecar.port);
  app = buildTestPaymentApp(database.db).app;
});

afterAll(async () => {
  await sidecar.close();
  await database.drop();
});

beforeEach(() => startClean(database.db, sidecar));

const rowsFor = async (orderReference: string) => ({
  payments: await database.db('payments').where({ order_reference: orderReference }),
  events: await database.db('outbox_events').where({ partition_key: orderReference }),
});

describe('POST /payments', () => {
  it('records the payment and its payment.confirmed event in one go, and answers 201 CONFIRMED', async () => {
    const body = paymentRequest();
    const response = await request(app).post('/payments').send(body);

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ orderReference: body.orderReference, amount: '49.90', currency: 'EUR', status: 'CONFIRMED' });
    const rows = await rowsFor(body.orderReference);
    expect(rows.payments).toHaveLength(1);
    expect(rows.events).toHaveLength(1);
    expect(rows.events[0].cloud_event).toMatchObject({ type: 'payment.confirmed', subject: body.orderReference });
    expect(rows.events[0].cloud_event.data.paymentId).toBe(response.body.id);
  });

  it('answers the same order again with 200 and the same payment: no second row, no second event', async () => {
    const body = paymentRequest();
    const first = await request(app).post('/payments').send(body);
    const again = await request(app).post('/payments').send({ ...body, amount: '49.9' });

    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const rows = await rowsFor(body.orderReference);
    expect(rows.payments).toHaveLength(1);
    expect(rows.events).toHaveLength(1);
  });

  it('records one payment when the same request arrives many times at once', async () => {
    const body = paymentRequest();
    const answers = await Promise.all(Array.from({ length: 8 }, () => request(app).post('/payments').send(body)));

    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const rows = await rowsFor(body.orderReference);
    expect([rows.payments.length, rows.events.length]).toEqual([1, 1]);
  });

  it('answers 409 for the same order with a different amount or currency, and records nothing new', async () => {
    const body = paymentRequest();
    await request(app).post('/payments').send(body);

    const otherAmount = await request(app).post('/payments').send({ ...body, amount: '50.00' });
    const otherCurrency = await request(app).post('/payments').send({ ...body, currency: 'USD' });
    expect(otherAmount.status).toBe(409);
    expect(otherCurrency.status).toBe(409);
    expect(otherAmount.headers['content-type']).toMatch(/^application\/problem\+json/);
    const rows = await rowsFor(body.orderReference);
    expect([rows.payments.length, rows.events.length]).toEqual([1, 1]);
  });

  it.each([
    ['a float amount', { amount: 49.9 }, ['amount']],
    ['a zero amount', { amount: '0.00' }, ['amount']],
    ['three fraction digits', { amount: '1.001' }, ['amount']],
    ['an unknown currency', { currency: 'ABC' }, ['currency']],
    ['a missing reference', { orderReference: undefined }, ['orderReference']],
    ['an unknown field', { tip: '1.00' }, ['tip']],
    ['a bad e-mail', { customer: { ...customer, email: 'nope' } }, ['customer.email']],
  ])('answers 400 for %s, naming the field, and writes nothing', async (_name, overrides, fields) => {
    const before = Number((await database.db('payments').count<{ c: string }[]>('* as c'))[0]!.c);
    const response = await request(app).post('/payments').send(paymentRequest(overrides));

    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
    expect(Number((await database.db('payments').count<{ c: string }[]>('* as c'))[0]!.c)).toBe(before);
  });
});

describe('the payments table', () => {
  it('refuses UPDATE, DELETE and TRUNCATE in the database itself: it is an audit trail', async () => {
    const body = paymentRequest();
    await request(app).post('/payments').send(body);

    await expect(database.db('payments').where({ order_reference: body.orderReference }).update({ amount: '1.00' })).rejects.toThrow(
      /append-only audit trail: UPDATE/,
    );
    await expect(database.db('payments').where({ order_reference: body.orderReference }).delete()).rejects.toThrow(
      /append-only audit trail: DELETE/,
    );
    await expect(database.db.raw('truncate payments cascade')).rejects.toThrow(/append-only audit trail: TRUNCATE/);
    expect((await rowsFor(body.orderReference)).payments[0].amount).toBe('49.90');
  });
});

describe('GET /payments', () => {
  it('finds a payment by id and by order reference; 404 problem for an unknown id', async () => {
    const body = paymentRequest();
    const created = await request(app).post('/payments').send(body);

    expect((await request(app).get(`/payments/${created.body.id}`)).body).toEqual(created.body);
    expect((await request(app).get('/payments').query({ orderReference: body.orderReference })).body).toEqual({ items: [created.body] });
    const missing = await request(app).get('/payments/8d5e0c1a-1111-4222-8333-944455556666');
    expect(missing.status).toBe(404);
    expect((await request(app).get('/payments/not-a-uuid')).status).toBe(400);
  });
});

describe('the outbox relay', () => {
  it('publishes a CloudEvent of type payment.confirmed through the sidecar, keyed by order reference, and marks it sent', async () => {
    const body = paymentRequest();
    const created = await request(app).post('/payments').send(body);

    expect(await relayOutbox(payments, publisher, relayOptions)).toBe(1);
    expect(sidecar.requests).toHaveLength(1);
    const [publish] = sidecar.requests;
    expect(publish!.path).toBe(`/v1.0/publish/kafka-pubsub/payment-topic?metadata.partitionKey=${body.orderReference}`);
    expect(publish!.headers['content-type']).toBe('application/cloudevents+json');
    const event = publish!.body as { id: string; type: string; data: unknown };
    expect(event.type).toBe('payment.confirmed');
    expect(validatePaymentConfirmed(event.data)).toEqual([]);
    expect(event.data).toMatchObject({ paymentId: created.body.id, orderReference: body.orderReference, amount: '49.90', customer });
    const row = (await rowsFor(body.orderReference)).events[0];
    expect(row.published_at).not.toBeNull();
    expect(await relayOutbox(payments, publisher, relayOptions)).toBe(0);
  });

  it('publishes the event in the trace of the request that recorded the payment', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await request(app).post('/payments').set('traceparent', traceparent).send(paymentRequest());

    expect(await relayOutbox(payments, publisher, relayOptions)).toBe(1);
    expect(sidecar.requests[0]!.headers.traceparent).toBe(traceparent);
  });

  it('keeps events while the sidecar refuses them, and publishes each once (same event id) when it is back', async () => {
    const body = paymentRequest();
    await request(app).post('/payments').send(body);
    sidecar.answerWith(() => ({ status: 500, body: { errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE', message: 'kafka down' } }));

    expect(await relayOutbox(payments, publisher, relayOptions)).toBe(0);
    expect(await relayOutbox(payments, publisher, relayOptions)).toBe(0);
    const waiting = (await rowsFor(body.orderReference)).events[0];
    expect(waiting).toMatchObject({ published_at: null, attempts: 2 });
    expect(waiting.last_error).toContain('kafka down');

    sidecar.answerWith(() => ({ status: 204 }));
    expect(await relayOutbox(payments, publisher, relayOptions)).toBe(1);
    const ids = sidecar.requests.map((r) => (r.body as { id: string }).id);
    expect(new Set(ids).size).toBe(1);
    expect(ids).toHaveLength(3);
  });

  it('hands over the payment even when the sidecar is unreachable: the payment call never depends on Kafka', async () => {
    await sidecar.close();
    const body = paymentRequest();
    const response = await request(app).post('/payments').send(body);
    expect(response.status).toBe(201);
    expect(await relayOutbox(payments, publisher, relayOptions)).toBe(0);
    sidecar = await startStubSidecar(() => ({ status: 204 }));
    publisher = publisherFor(sidecar.port);
    expect(await relayOutbox(payments, publisher, relayOptions)).toBe(1);
  });
});

describe('GET /metrics', () => {
  it('counts payments by result and shows the outbox backlog and lag', async () => {
    const body = paymentRequest();
    await request(app).post('/payments').send(body);
    await request(app).post('/payments').send(body);
    await request(app).post('/payments').send({ ...body, amount: '1.00' });

    const metrics = await request(app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/orderflow_payments_total\{result="created",service="payment-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_payments_total\{result="repeated",service="payment-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_payments_total\{result="conflict",service="payment-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_outbox_unpublished_events\{service="payment-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_outbox_lag_seconds\{service="payment-service"\} [0-9.]+/);
    expect(metrics.text).toMatch(/http_server_request_duration_seconds_count\{[^}]*method="POST",route="\/payments",status="201"\} [1-9]/);
  });
});

describe('GET /openapi.json', () => {
  it('serves an OpenAPI 3.1 document that describes exactly the routes the app answers', async () => {
    const response = await request(app).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body).toEqual(JSON.parse(JSON.stringify(paymentServiceOpenApi)));
    expect(documentedRoutes(response.body)).toEqual(answeredRoutes(app));
  });
});

describe('a payment request over the body limit', () => {
  it('is answered 413 problem+json naming the limit, and records neither a payment nor an event', async () => {
    const body = paymentRequest({ customer: { ...customer, lastName: 'x'.repeat(70_000) } });
    const response = await request(app).post('/payments').send(body);

    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 413, detail: expect.stringContaining('at most 65536 bytes') });
    expect(await rowsFor(body.orderReference)).toEqual({ payments: [], events: [] });
  });
});

describe('GET /asyncapi.json', () => {
  it('serves the AsyncAPI 3 document of payment-topic and its dead letters, without the app token, as /openapi.json is served', async () => {
    const guarded = buildTestPaymentApp(database.db, { appApiToken: 'only-the-sidecar-knows' }).app;
    for (const served of [app, guarded]) {
      const response = await request(served).get('/asyncapi.json');
      expect(response.status).toBe(200);
      expect(response.body.asyncapi).toBe('3.0.0');
      expect(response.body).toEqual(JSON.parse(JSON.stringify(paymentServiceAsyncApi)));
    }
    expect((await request(guarded).get('/payments')).status).toBe(401);
  });
});
