import request from 'supertest';
import { notificationServiceOpenApi } from '../../src/http/openapi';
import { answeredRoutes, documentedRoutes } from '../../../../test-support/openapi-drift';
import { DaprSidecar } from '@orderflow/service-kit';
import type { DispatchOptions } from '../../src/domain/dispatch-emails';
import { migrations } from '../../src/data/migrations';
import { DaprSmtpEmailSender } from '../../src/sidecar/smtp-email-sender';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { startStubSidecar, type StubSidecar } from '../../../../test-support/stub-sidecar';
import { validatePaymentConfirmed } from '../../../../test-support/event-schema';
import { until as eventually } from '../../../../test-support/until';
import { buildTestNotificationApp, paymentConfirmedDelivery as delivery, TEST_DISPATCH } from './notification-test-app';

let database: TestDatabase;
let sidecar: StubSidecar;
let client: DaprSidecar;
let built: ReturnType<typeof buildTestNotificationApp>;
let app: ReturnType<typeof buildTestNotificationApp>['app'];

function buildApp(dispatch: Partial<DispatchOptions> = {}) {
  const email = new DaprSmtpEmailSender(client, { bindingName: 'email', from: 'orderflow@example.com', callTimeoutMs: 30_000 });
  return buildTestNotificationApp(database.db, email, { dispatch });
}

beforeAll(async () => {
  database = await createTestDatabase('notification-service', migrations);
  sidecar = await startStubSidecar(() => ({ status: 204 }));
  client = new DaprSidecar({ host: '127.0.0.1', port: sidecar.port });
  built = buildApp();
  app = built.app;
});

afterAll(async () => {
  await built.dispatcher.stop(1_000);
  await client.close();
  await sidecar.close();
  await database.drop();
});

beforeEach(() => {
  sidecar.requests.length = 0;
  sidecar.answerWith(() => ({ status: 204 }));
});

const deliver = (event: unknown) =>
  request(app).post('/events/payment-confirmed').set('content-type', 'application/cloudevents+json').send(JSON.stringify(event));
const notificationsOf = async (orderReference: string) =>
  (await request(app).get('/notifications').query({ orderReference })).body.items as any[];
const sendsTo = (recipient: string) =>
  sidecar.requests.filter((r) => (r.body as { metadata?: { emailTo?: string } }).metadata?.emailTo === recipient);

const statusOf = async (orderReference: string) => (await notificationsOf(orderReference))[0]?.status;
const bindingFailure = (tokens: string) => ({
  status: 500,
  body: {
    errorCode: 'ERR_INVOKE_OUTPUT_BINDING',
    message: `error invoking output binding email: error from smtp binding, sending email failed: ${tokens}`,
  },
});

describe('a payment.confirmed delivery', () => {
  it('is tested with events that match the published JSON Schema (the consumer reads what the producer promises)', () => {
    expect(validatePaymentConfirmed(delivery().data)).toEqual([]);
  });

  it('is recorded and acknowledged; the dispatcher then e-mails the customer through the SMTP binding, every field set, and records it SENT', async () => {
    const event = delivery();
    const response = await deliver(event);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'SUCCESS' });
    await eventually('SENT', async () => (await statusOf(event.data.orderReference)) === 'SENT');
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
    // The sidecar is told when the message must be complete: the claim plus the send window.
    const completeBefore = Date.parse((call!.body as { metadata: { completeBefore: string } }).metadata.completeBefore);
    expect(completeBefore - Date.now()).toBeGreaterThan(0);
    expect(completeBefore - Date.now()).toBeLessThanOrEqual(TEST_DISPATCH.sendWindowMs);

    const [row] = await notificationsOf(event.data.orderReference);
    expect(row).toMatchObject({ status: 'SENT', attempts: 1, recipient: 'ada@example.com', paymentId: event.data.paymentId, failureClass: null });
  });

  it('sends nothing new when the same event is delivered again', async () => {
    const event = delivery();
    await deliver(event);
    await eventually('SENT', async () => (await statusOf(event.data.orderReference)) === 'SENT');
    const again = await deliver(event);

    expect(again.body).toEqual({ status: 'SUCCESS' });
    await built.dispatcher.wake({ abandoned: true });
    expect(sidecar.requests).toHaveLength(1);
  });

  it('sends nothing new for the same payment under a different event id', async () => {
    const event = delivery();
    await deliver(event);
    await deliver({ ...event, id: `${event.id}-republished` });
    await eventually('SENT', async () => (await statusOf(event.data.orderReference)) === 'SENT');

    expect(sidecar.requests).toHaveLength(1);
  });

  it('sends one e-mail when the same event arrives many times at once, and every delivery is acknowledged', async () => {
    sidecar.answerWith(() => ({ status: 204, delayMs: 100 }));
    const event = delivery();
    const answers = await Promise.all(Array.from({ length: 6 }, () => deliver(event)));

    expect(answers.map((a) => a.body.status)).toEqual(Array(6).fill('SUCCESS'));
    await eventually('SENT', async () => (await statusOf(event.data.orderReference)) === 'SENT');
    expect(sidecar.requests).toHaveLength(1);
  });

  it('answers 500 when it cannot record the event (the sidecar delivers it again later) and sends nothing', async () => {
    const broken = buildTestNotificationApp(database.db, { send: async () => undefined });
    await database.db.raw('alter table notifications rename to notifications_away');
    try {
      const response = await request(broken.app)
        .post('/events/payment-confirmed')
        .set('content-type', 'application/cloudevents+json')
        .send(JSON.stringify(delivery()));
      expect(response.status).toBe(500);
    } finally {
      await database.db.raw('alter table notifications_away rename to notifications');
    }
  });

  it('records a malformed event as REJECTED and tells the sidecar to drop it, without sending', async () => {
    const event = delivery({ data: { amount: 49.9, customer: { id: 'c-1' } } });
    const response = await deliver(event);

    expect(response.body).toEqual({ status: 'DROP' });
    await built.dispatcher.wake({ abandoned: true });
    expect(sidecar.requests).toHaveLength(0);
    const listed = await notificationsOf(event.data.orderReference);
    expect(listed).toHaveLength(1);
    expect(listed[0].status).toBe('REJECTED');
    expect(listed[0].lastError).toMatch(/data\.amount/);
    expect(listed[0].lastError).toMatch(/data\.customer\.email/);
  });

  it('drops an event of another type without sending', async () => {
    const response = await deliver({ ...delivery(), type: 'order.shipped' });
    expect(response.body).toEqual({ status: 'DROP' });
    expect(sidecar.requests).toHaveLength(0);
  });
});

describe('a send that fails for certain', () => {
  it('is recorded FAILED with the reason and its class, and sent again once its backoff has passed', async () => {
    let calls = 0;
    sidecar.answerWith(() => {
      calls += 1;
      return calls === 1 ? bindingFailure('smtp-step=CONNECT smtp-outcome=not-sent :: dial tcp 127.0.0.1:1025: connect: connection refused') : { status: 204 };
    });
    const event = delivery();
    await deliver(event);
    await eventually('FAILED', async () => (await statusOf(event.data.orderReference)) === 'FAILED');
    const [failed] = await notificationsOf(event.data.orderReference);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 1, failureClass: 'connection' });
    expect(failed.lastError).toContain('connection refused');
    expect(Date.parse(failed.nextAttemptAt)).toBeGreaterThan(Date.now() - 1_000);

    // The periodic tick (the cron binding) picks it up once it is due.
    await eventually('SENT', async () => {
      await built.dispatcher.wake({ abandoned: true });
      return (await statusOf(event.data.orderReference)) === 'SENT';
    });
    expect(await notificationsOf(event.data.orderReference)).toMatchObject([{ status: 'SENT', attempts: 2, lastError: null }]);
    expect(sendsTo('ada@example.com').length).toBe(2);
  });

  it('is retried when the server refuses the login (535), a failure of the server that every e-mail shares, and counted for alerting', async () => {
    let refuse = true;
    sidecar.answerWith(() =>
      refuse ? bindingFailure('smtp-step=AUTH smtp-outcome=not-sent smtp-reply=535 smtp-enhanced=5.7.8 :: 535 5.7.8 bad credentials') : { status: 204 },
    );
    const event = delivery();
    await deliver(event);
    await eventually('FAILED', async () => (await statusOf(event.data.orderReference)) === 'FAILED');
    expect((await notificationsOf(event.data.orderReference))[0].failureClass).toBe('auth');
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/orderflow_smtp_failures_total\{class="auth",service="notification-service"\} [1-9]/);

    refuse = false;
    await eventually('SENT', async () => {
      await built.dispatcher.wake({ abandoned: true });
      return (await statusOf(event.data.orderReference)) === 'SENT';
    });
  });

  it('is retried when the server refuses to relay (550 5.7.1 at RCPT): that concerns the server, not this recipient', async () => {
    let refuse = true;
    sidecar.answerWith(() =>
      refuse ? bindingFailure('smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 smtp-enhanced=5.7.1 :: 550 5.7.1 relaying denied') : { status: 204 },
    );
    const event = delivery();
    await deliver(event);
    await eventually('FAILED', async () => (await statusOf(event.data.orderReference)) === 'FAILED');
    expect((await notificationsOf(event.data.orderReference))[0]).toMatchObject({ status: 'FAILED', failureClass: 'relay' });
    refuse = false;
    await eventually('SENT', async () => {
      await built.dispatcher.wake({ abandoned: true });
      return (await statusOf(event.data.orderReference)) === 'SENT';
    });
  });
});

describe('a send whose outcome is unknown (the reply to the final "." was lost)', () => {
  it('is sent again, and counted as ambiguous: the one way a customer can get two e-mails', async () => {
    let calls = 0;
    sidecar.answerWith(() => {
      calls += 1;
      return calls === 1 ? bindingFailure('smtp-step=END smtp-outcome=unknown :: read tcp: connection reset by peer') : { status: 204 };
    });
    const event = delivery();
    await deliver(event);
    await eventually('SENT', async () => {
      await built.dispatcher.wake({ abandoned: true });
      return (await statusOf(event.data.orderReference)) === 'SENT';
    });
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/orderflow_emails_ambiguous_total\{why="reply-lost",service="notification-service"\} [1-9]/);
  });
});

describe('an e-mail the SMTP server refuses for this recipient for good', () => {
  it('is recorded UNDELIVERABLE and not tried again, until an operator re-arms it', async () => {
    sidecar.answerWith(() =>
      bindingFailure('smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 smtp-enhanced=5.1.1 :: 550 5.1.1 <ada@example.com>: no such user'),
    );
    const event = delivery();
    await deliver(event);
    await eventually('UNDELIVERABLE', async () => (await statusOf(event.data.orderReference)) === 'UNDELIVERABLE');
    const [row] = await notificationsOf(event.data.orderReference);
    expect(row).toMatchObject({ status: 'UNDELIVERABLE', attempts: 1, failureClass: 'recipient', nextAttemptAt: null });
    expect(row.lastError).toContain('no such user');

    sidecar.answerWith(() => ({ status: 204 }));
    await deliver(event);
    await built.dispatcher.wake({ abandoned: true });
    expect(await statusOf(event.data.orderReference)).toBe('UNDELIVERABLE');
    expect(sidecar.requests).toHaveLength(1);

    const rearmed = await request(app).post('/notifications/rearm').send({ orderReference: event.data.orderReference });
    expect(rearmed.body).toEqual({ rearmed: 1 });
    await eventually('SENT', async () => (await statusOf(event.data.orderReference)) === 'SENT');
    expect(sidecar.requests).toHaveLength(2);
  });

  it('is re-armed only by a well-formed request naming one order or all', async () => {
    const response = await request(app).post('/notifications/rearm').send({ orderReference: 'not a reference', all: true });
    expect(response.status).toBe(400);
    expect(response.type).toBe('application/problem+json');
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
  it('counts deliveries by verdict, attempts by result and the age of the oldest unsent e-mail', async () => {
    const sent = delivery();
    await deliver(sent);
    await eventually('SENT', async () => (await statusOf(sent.data.orderReference)) === 'SENT');
    await deliver(delivery({ data: { amount: 1 } }));

    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/orderflow_emails_total\{result="sent",service="notification-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_event_deliveries_total\{verdict="DROP",service="notification-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_notifications\{status="REJECTED",service="notification-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_oldest_unsent_email_seconds\{service="notification-service"\} \d/);
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

describe('a delivery over the body limit', () => {
  it('is answered 413 problem+json naming the limit, and nothing is recorded or sent', async () => {
    const event = delivery({ data: { customer: { id: 'c-big', firstName: 'Ada', lastName: 'Lovelace', email: `big.${Date.now()}@example.com` } } });
    const huge = { ...event, data: { ...(event.data as object), padding: 'x'.repeat(70_000) } };
    const response = await deliver(huge);

    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 413, detail: expect.stringContaining('at most 65536 bytes') });
    const data = event.data as { orderReference: string; customer: { email: string } };
    expect(await notificationsOf(data.orderReference)).toEqual([]);
    expect(sendsTo(data.customer.email)).toEqual([]);
  });
});
