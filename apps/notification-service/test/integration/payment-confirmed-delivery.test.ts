import request from 'supertest';
import { notificationServiceOpenApi } from '../../src/http/openapi';
import { answeredRoutes, documentedRoutes } from '../../../../test-support/openapi-drift';
import { SidecarClient } from '@orderflow/service-kit';
import { buildNotificationApp } from '../../src/app';
import { migrations } from '../../src/data/migrations';
import { DaprSmtpEmailSender } from '../../src/sidecar/smtp-email-sender';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { startStubSidecar, type StubSidecar } from '../../../../test-support/stub-sidecar';
import { testLogger } from '../../../../test-support/logger';
import { validatePaymentConfirmed } from '../../../../test-support/event-schema';

let sequence = 0;
/** A CloudEvent as the sidecar delivers it (our envelope plus Dapr's own attributes). */
function delivery(overrides: { data?: object; id?: string } = {}) {
  sequence += 1;
  const orderReference = `ORD-NOTIFY${Date.now()}${sequence}`;
  return {
    specversion: '1.0',
    id: overrides.id ?? `evt-${Date.now()}-${sequence}`,
    type: 'payment.confirmed',
    source: 'payment-service',
    subject: orderReference,
    datacontenttype: 'application/json',
    topic: 'payment-topic',
    pubsubname: 'kafka-pubsub',
    data: {
      paymentId: `pay-${Date.now()}-${sequence}`,
      orderReference,
      amount: '49.90',
      currency: 'EUR',
      paymentMethod: 'VISA',
      customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
      confirmedAt: '2026-11-25T10:00:00.000Z',
      ...overrides.data,
    },
  };
}

let database: TestDatabase;
let sidecar: StubSidecar;
let app: ReturnType<typeof buildNotificationApp>;

beforeAll(async () => {
  database = await createTestDatabase('notification-service', migrations);
  sidecar = await startStubSidecar(() => ({ status: 204 }));
  const email = new DaprSmtpEmailSender(new SidecarClient({ host: '127.0.0.1', port: sidecar.port }), {
    bindingName: 'email',
    from: 'orderflow@example.com',
  });
  app = buildNotificationApp({ db: database.db, email, claimTimeoutMs: 60_000, logger: testLogger, bodyLimit: '64kb' });
});

afterAll(async () => {
  await sidecar.close();
  await database.drop();
});

beforeEach(() => {
  sidecar.requests.length = 0;
  sidecar.answerWith(() => ({ status: 204 }));
});

const deliver = (event: unknown) =>
  request(app).post('/events/payment-confirmed').set('content-type', 'application/cloudevents+json').send(JSON.stringify(event));

describe('a payment.confirmed delivery', () => {
  it('is tested with events that match the published JSON Schema (the consumer reads what the producer promises)', () => {
    expect(validatePaymentConfirmed(delivery().data)).toEqual([]);
  });

  it('e-mails the customer through the SMTP binding, with every field set, and records it as SENT', async () => {
    const event = delivery();
    const response = await deliver(event);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'SUCCESS' });
    expect(sidecar.requests).toHaveLength(1);
    const [call] = sidecar.requests;
    expect(call!.path).toBe('/v1.0/bindings/email');
    expect(call!.body).toMatchObject({
      operation: 'create',
      metadata: {
        emailTo: 'ada@example.com',
        emailFrom: 'orderflow@example.com',
        subject: `Payment confirmed for order ${event.data.orderReference}`,
      },
    });
    expect((call!.body as { data: string }).data).toContain('49.90 EUR');

    const listed = await request(app).get('/notifications').query({ orderReference: event.data.orderReference });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ status: 'SENT', attempts: 1, recipient: 'ada@example.com', paymentId: event.data.paymentId });
  });

  it('sends nothing new when the same event is delivered again', async () => {
    const event = delivery();
    await deliver(event);
    const again = await deliver(event);

    expect(again.body).toEqual({ status: 'SUCCESS' });
    expect(sidecar.requests).toHaveLength(1);
  });

  it('sends nothing new for the same payment under a different event id', async () => {
    const event = delivery();
    await deliver(event);
    await deliver({ ...event, id: `${event.id}-republished` });

    expect(sidecar.requests).toHaveLength(1);
  });

  it('sends one e-mail when the same event arrives many times at once', async () => {
    sidecar.answerWith(() => ({ status: 204, delayMs: 100 }));
    const event = delivery();
    const answers = await Promise.all(Array.from({ length: 6 }, () => deliver(event)));

    expect(sidecar.requests).toHaveLength(1);
    const statuses = answers.map((a) => a.body.status);
    expect(statuses.filter((s) => s === 'SUCCESS').length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 'SUCCESS' || s === 'RETRY')).toBe(true);
  });

  it('asks for a retry when the SMTP binding fails, records the failure, and sends on redelivery', async () => {
    sidecar.answerWith(() => ({ status: 500, body: { errorCode: 'ERR_INVOKE_OUTPUT_BINDING', message: 'connection refused' } }));
    const event = delivery();
    const first = await deliver(event);

    expect(first.body).toEqual({ status: 'RETRY' });
    let listed = await request(app).get('/notifications').query({ orderReference: event.data.orderReference });
    expect(listed.body.items[0]).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(listed.body.items[0].lastError).toContain('connection refused');

    sidecar.answerWith(() => ({ status: 204 }));
    const second = await deliver(event);
    expect(second.body).toEqual({ status: 'SUCCESS' });
    listed = await request(app).get('/notifications').query({ orderReference: event.data.orderReference });
    expect(listed.body.items[0]).toMatchObject({ status: 'SENT', attempts: 2, lastError: null });
  });

  it('records a malformed event as REJECTED and tells the sidecar to drop it, without sending', async () => {
    const event = delivery({ data: { amount: 49.9, customer: { id: 'c-1' } } });
    const response = await deliver(event);

    expect(response.body).toEqual({ status: 'DROP' });
    expect(sidecar.requests).toHaveLength(0);
    const listed = await request(app).get('/notifications').query({ orderReference: event.data.orderReference });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].status).toBe('REJECTED');
    expect(listed.body.items[0].lastError).toMatch(/data\.amount/);
    expect(listed.body.items[0].lastError).toMatch(/data\.customer\.email/);
  });

  it('drops an event of another type without sending', async () => {
    const response = await deliver({ ...delivery(), type: 'order.shipped' });
    expect(response.body).toEqual({ status: 'DROP' });
    expect(sidecar.requests).toHaveLength(0);
  });
});

describe('GET /notifications', () => {
  it('requires a valid order reference', async () => {
    const response = await request(app).get('/notifications');
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('orderReference');
  });
});

describe('GET /metrics', () => {
  it('counts deliveries by verdict and e-mails by result', async () => {
    await deliver(delivery());
    sidecar.answerWith(() => ({ status: 500, body: { message: 'smtp down' } }));
    await deliver(delivery());
    await deliver(delivery({ data: { amount: 1 } }));

    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/orderflow_emails_total\{result="sent",service="notification-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_emails_total\{result="failed",service="notification-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_event_deliveries_total\{verdict="DROP",service="notification-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_notifications\{status="REJECTED",service="notification-service"\} [1-9]/);
  });
});

describe('GET /openapi.json', () => {
  it('serves an OpenAPI 3.1 document that describes exactly the routes the app answers', async () => {
    const response = await request(app).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body).toEqual(JSON.parse(JSON.stringify(notificationServiceOpenApi)));
    expect(documentedRoutes(response.body)).toEqual(answeredRoutes(app));
  });
});

describe('an event full of garbage', () => {
  it('is recorded as REJECTED and dropped even when it holds NUL characters PostgreSQL cannot store', async () => {
    const garbage = { id: 'evt-\u0000-nul', type: 'payment.confirmed', data: { 'key\u0000': 'value\u0000', orderReference: 'ORD-NUL\u0000' } };
    const response = await deliver(garbage);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'DROP' });
    const row = await database.db('notifications').where({ event_id: 'evt-\uFFFD-nul' }).first();
    expect(row.status).toBe('REJECTED');
    expect(row.payload.data['key\uFFFD']).toBe('value\uFFFD');
  });
});

describe('an e-mail the SMTP server refuses for good', () => {
  it('is recorded as UNDELIVERABLE and dropped to the dead-letter topic instead of being retried', async () => {
    sidecar.answerWith(() => ({
      status: 500,
      body: {
        errorCode: 'ERR_INVOKE_OUTPUT_BINDING',
        message: 'error invoking output binding email: error from smtp binding, sending email failed: gomail: could not send email 1: 501 "Error: Bad recipient address syntax"',
      },
    }));
    const event = delivery();
    const response = await deliver(event);

    expect(response.body).toEqual({ status: 'DROP' });
    const listed = await request(app).get('/notifications').query({ orderReference: event.data.orderReference });
    expect(listed.body.items[0]).toMatchObject({ status: 'UNDELIVERABLE', attempts: 1 });
    expect(listed.body.items[0].lastError).toContain('Bad recipient address syntax');

    sidecar.answerWith(() => ({ status: 204 }));
    expect((await deliver(event)).body).toEqual({ status: 'DROP' });
    expect(sidecar.requests).toHaveLength(1);
  });
});
