// What enters notification-service from the sidecar: an event with ill-formed
// text in any field is recorded REJECTED and dropped (to the dead-letter topic),
// never a 500 the sidecar would redeliver forever; the e-mail shows the amount
// with exactly its currency's digits.
import fc from 'fast-check';
import request from 'supertest';
import { buildTestNotificationApp, paymentConfirmedDelivery as delivery } from './notification-test-app';
import { migrations } from '../../src/data/migrations';
import type { Email } from '../../src/domain/notification';
import type { EmailSender } from '../../src/domain/email-sender';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { until as eventually } from '../../../../test-support/until';
import { hostileHeaderText, hostileText, percentEncode } from '../../../../test-support/hostile-text';

/** The SMTP binding as these tests play it: takes every e-mail and keeps it. */
const sent: Email[] = [];
const keepingSender: EmailSender = { send: async (email) => void sent.push(email) };

let database: TestDatabase;
let built: ReturnType<typeof buildTestNotificationApp>;

beforeAll(async () => {
  database = await createTestDatabase('notification-service', migrations);
  built = buildTestNotificationApp(database.db, keepingSender);
});

afterAll(async () => {
  await built.dispatcher.stop(1_000);
  await database.drop();
});

const deliver = (body: object, traceparent?: string) => {
  const call = request(built.app).post('/events/payment-confirmed').set('content-type', 'application/cloudevents+json');
  return (traceparent === undefined ? call : call.set('traceparent', traceparent)).send(JSON.stringify(body));
};

const DATA_FIELDS = ['paymentId', 'orderReference', 'amount', 'currency', 'paymentMethod', 'confirmedAt', 'customer.id', 'customer.firstName', 'customer.lastName', 'customer.email'];

function withField(event: ReturnType<typeof delivery>, field: string, text: string) {
  const [head, inner] = field.split('.') as [string, string | undefined];
  const data = inner ? { ...event.data, customer: { ...event.data.customer, [inner]: text } } : { ...event.data, [head]: text };
  return { ...event, data };
}

describe('an event with text that is not well-formed', () => {
  it('when a customer\'s first name holds a lone surrogate, then it is recorded REJECTED, dropped, and no e-mail is owed', async () => {
    const event = delivery({ data: { customer: { id: 'c-1', firstName: 'Ada\ud800', lastName: 'Lovelace', email: 'ada@example.com' } } });
    const response = await deliver(event);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'DROP' });
    const row = await database.db('notifications').where({ event_id: event.id }).first();
    expect(row).toMatchObject({ status: 'REJECTED', order_reference: event.data.orderReference });
    expect(row.last_error).toContain('data.customer.firstName is not well-formed Unicode');
  });

  const countOwed = async () =>
    Number((await database.db('notifications').whereNot({ status: 'REJECTED' }).count({ n: '*' }).first())?.n ?? 0);

  it('when any field or the event id holds arbitrary text, then the answer is never 5xx, and an event refused is dropped and owes no e-mail', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...DATA_FIELDS, 'id'), hostileText, async (field, text) => {
        const event = field === 'id' ? { ...delivery(), id: text } : withField(delivery(), field, text);
        // Counted over the whole table: the text under test may be no valid query parameter itself (a NUL).
        const owedBefore = await countOwed();
        const response = await deliver(event);
        expect(response.status).toBe(200);
        if (response.body.status === 'DROP') expect(await countOwed()).toBe(owedBefore);
      }),
      { numRuns: 150 },
    );
  });

  it('when the traceparent header is not one, then the event is recorded all the same, without a trace to continue', async () => {
    await fc.assert(
      fc.asyncProperty(hostileHeaderText, async (traceparent) => {
        const event = delivery();
        const response = await deliver(event, `00-${traceparent.repeat(3)}`);
        expect(response.body).toEqual({ status: 'SUCCESS' });
        const row = await database.db('notifications').where({ event_id: event.id }).first();
        expect(row.trace_parent).toBeNull();
      }),
      { numRuns: 30 },
    );
  });

  it('when the order reference asked for holds arbitrary text, then it answers 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (text) => {
        const response = await request(built.app).get(`/notifications?orderReference=${percentEncode(text)}`);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });
});

describe('the amount in the e-mail', () => {
  it.each([
    ['1.234', 'KWD', '1.234 KWD'],
    ['1.2', 'KWD', '1.200 KWD'],
    ['1000', 'JPY', '1000 JPY'],
    ['49.9', 'EUR', '49.90 EUR'],
    ['1000.00', 'JPY', '1000 JPY'], // from the previous release, which wrote two decimals always
  ])('when the event says %p %s, then the e-mail says %p', async (amount, currency, shown) => {
    const event = delivery({ data: { amount, currency } });
    expect((await deliver(event)).body).toEqual({ status: 'SUCCESS' });
    const ours = () => sent.find((one) => one.html.includes(event.data.orderReference));
    await eventually('the e-mail is sent', () => ours() !== undefined);
    expect(ours()?.html).toContain(`<strong>${shown}</strong>`);
  });

  it('when the event\'s amount has more digits than its currency (JPY "10.50"), then it is dropped as invalid', async () => {
    const event = delivery({ data: { amount: '10.50', currency: 'JPY' } });
    expect((await deliver(event)).body).toEqual({ status: 'DROP' });
    const row = await database.db('notifications').where({ event_id: event.id }).first();
    expect(row.last_error).toContain('data.amount must be a whole number in JPY');
  });
});
