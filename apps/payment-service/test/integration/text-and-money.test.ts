// What enters payment-service as text or money, on its own (whatever order-service
// checked before): ill-formed text is a 400 naming the field, never a 500 (which
// the caller's sidecar would retry and count against its circuit breaker), and
// nothing is recorded; amounts keep exactly their currency's minor units, in the
// row and in the payment.confirmed event.
import fc from 'fast-check';
import request from 'supertest';
import { ILL_FORMED_MESSAGE } from '@orderflow/contracts';
import { migrate } from '@orderflow/service-kit';
import { migrations } from '../../src/data/migrations';
import { paymentServiceOpenApi } from '../../src/http/openapi';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { validatePaymentConfirmed } from '../../../../test-support/event-schema';
import { hostileHeaderText, hostileText, percentEncode } from '../../../../test-support/hostile-text';
import { buildTestPaymentApp, paymentRequest, TEST_CUSTOMER } from './payment-test-app';

const customer = TEST_CUSTOMER;

let database: TestDatabase;
let app: ReturnType<typeof buildTestPaymentApp>['app'];

beforeAll(async () => {
  database = await createTestDatabase('payment-service', migrations);
  app = buildTestPaymentApp(database.db).app;
});

afterAll(async () => {
  await database.drop();
});

async function written(): Promise<{ payments: number; events: number }> {
  const count = async (table: string) => Number((await database.db(table).count('* as n'))[0]!.n);
  return { payments: await count('payments'), events: await count('outbox_events') };
}

function withField(body: ReturnType<typeof paymentRequest>, field: string, text: string): object {
  const [head, inner] = field.split('.') as [string, string | undefined];
  return inner ? { ...body, customer: { ...body.customer, [inner]: text } } : { ...body, [head]: text };
}

const FIELDS = [
  'orderReference', 'amount', 'currency', 'paymentMethod',
  'customer.id', 'customer.firstName', 'customer.lastName', 'customer.email',
];

describe('text that enters payment-service', () => {
  it('when a customer\'s first name holds a lone surrogate, then it answers 400 naming the field (not 500) and records nothing', async () => {
    const before = await written();
    const response = await request(app).post('/payments').send(paymentRequest({ customer: { ...customer, firstName: 'Ada\ud800' } }));
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'customer.firstName', message: ILL_FORMED_MESSAGE }]);
    expect(await written()).toEqual(before);
  });

  it('when any field holds arbitrary text, then it never answers 5xx, and a 4xx names the field and records nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FIELDS), hostileText, async (field, text) => {
        const before = await written();
        const response = await request(app).post('/payments').send(withField(paymentRequest(), field, text));
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
          expect(await written()).toEqual(before);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('when a query parameter or the payment id holds arbitrary text, then it answers 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), hostileText, async (inPath, text) => {
        const response = await request(app).get(inPath ? `/payments/${percentEncode(text)}` : `/payments?orderReference=${percentEncode(text)}`);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });

  it('when the traceparent header is not one, then the payment is recorded and the event starts a new trace (no 500 on a column sized for a good one)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileHeaderText, async (traceparent) => {
        const body = paymentRequest();
        const response = await request(app).post('/payments').set('traceparent', `00-${traceparent.repeat(3)}`).send(body);
        expect(response.status).toBe(201);
        const event = await database.db('outbox_events').where({ partition_key: body.orderReference }).first();
        expect(event.traceparent).toBeNull();
      }),
      { numRuns: 30 },
    );
  });
});

describe('money in its currency', () => {
  it.each([
    ['10.50', 'JPY'],
    ['1.5', 'KRW'],
    ['0.01', 'CLP'],
    ['1.2345', 'KWD'],
  ])('when the amount is %p %s, then it answers 400 naming amount and records nothing', async (amount, currency) => {
    const before = await written();
    const response = await request(app).post('/payments').send(paymentRequest({ amount, currency }));
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual(['amount']);
    expect(await written()).toEqual(before);
  });

  it.each(['HRK', 'SLL', 'ZWL'])('when the currency is the withdrawn %s, then it answers 400 naming currency', async (currency) => {
    const response = await request(app).post('/payments').send(paymentRequest({ amount: '1.00', currency }));
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual(['currency']);
  });

  it.each([
    ['1.234', 'KWD', '1.234', '1.234'],
    ['1.2', 'KWD', '1.200', '1.200'],
    ['1000', 'JPY', '1000', '1000.00'],
    ['1000.00', 'JPY', '1000', '1000.00'],
    ['0.0001', 'UYW', '0.0001', '0.0001'],
  ])('when the amount is %p %s, then the answer and the event say %p, and the row %p', async (amount, currency, exact, stored) => {
    const body = paymentRequest({ amount, currency });
    const response = await request(app).post('/payments').send(body);
    expect(response.status).toBe(201);
    expect(response.body.amount).toBe(exact);
    const row = await database.db('payments').select(database.db.raw('amount::text as amount')).where({ order_reference: body.orderReference }).first();
    expect(row.amount).toBe(stored);
    const event = await database.db('outbox_events').where({ partition_key: body.orderReference }).first();
    expect(event.cloud_event.data).toMatchObject({ amount: exact, currency });
    expect(validatePaymentConfirmed(event.cloud_event.data)).toEqual([]);
    expect((await request(app).get(`/payments/${response.body.id}`)).body.amount).toBe(exact);
    // The same charge again is the same payment, however its digits were written.
    expect((await request(app).post('/payments').send(body)).status).toBe(200);
  });

  it('when the previous release asks for JPY "1000.00" (two decimals, always), then it is charged as "1000", and its retry is the same payment', async () => {
    const body = paymentRequest({ amount: '1000.00', currency: 'JPY' });
    const first = await request(app).post('/payments').send(body);
    expect(first.status).toBe(201);
    expect(first.body.amount).toBe('1000');
    const again = await request(app).post('/payments').send(body);
    expect([again.status, again.body.id]).toEqual([200, first.body.id]);
  });

  it('when a JPY payment is recorded, then the row reads "1000.00": what the previous release compares a retry with, as a string', async () => {
    const body = paymentRequest({ amount: '1000', currency: 'JPY' });
    expect((await request(app).post('/payments').send(body)).status).toBe(201);
    // The previous release reads the column as node-postgres gives it and compares it with its normalised "1000.00".
    const row = await database.db('payments').select('amount').where({ order_reference: body.orderReference }).first();
    expect(row.amount).toBe('1000.00');
  });

  it('when the retry of an order from before #14 asks for JPY "10.5" and exactly that charge is recorded ("10.50"), then it answers that payment (200) and charges nothing new', async () => {
    const body = paymentRequest({ amount: '10.5', currency: 'JPY' });
    const recordedBefore = await database.db.raw<{ rows: { id: string }[] }>(
      `insert into payments (id, order_reference, amount, currency, payment_method, status, customer_id,
                             customer_first_name, customer_last_name, customer_email)
       values (gen_random_uuid(), ?, 10.50, 'JPY', 'VISA', 'CONFIRMED', 'cust-42', 'Ada', 'Lovelace', 'ada@example.com')
       returning id`,
      [body.orderReference],
    );
    const before = await written();
    const response = await request(app).post('/payments').send(body);
    expect([response.status, response.body.id, response.body.amount]).toEqual([200, recordedBefore.rows[0]!.id, '10.5']);
    expect((await request(app).post('/payments').send({ ...body, amount: '10.50' })).status).toBe(200);
    expect(await written()).toEqual(before);
  });

  it('when JPY "10.5" is asked for and no such charge is recorded (none, or another amount), then it answers 400 and charges nothing', async () => {
    const body = paymentRequest({ amount: '10.5', currency: 'JPY' });
    expect((await request(app).post('/payments').send(body)).status).toBe(400);
    await database.db('payments').insert({
      id: database.db.raw('gen_random_uuid()'), order_reference: body.orderReference, amount: '10.60', currency: 'JPY',
      payment_method: 'VISA', status: 'CONFIRMED', customer_id: 'cust-42', customer_first_name: 'Ada',
      customer_last_name: 'Lovelace', customer_email: 'ada@example.com',
    });
    const before = await written();
    expect((await request(app).post('/payments').send(body)).status).toBe(400);
    expect(await written()).toEqual(before);
  });

  it('describes the amount per currency in its OpenAPI document (an if/then per group of minor units)', () => {
    const body = (paymentServiceOpenApi.paths['/payments'] as { post: { requestBody: { content: Record<string, { schema: { allOf: object[] } }> } } })
      .post.requestBody.content['application/json']!.schema;
    expect(body.allOf).toContainEqual({
      if: { properties: { currency: { enum: expect.arrayContaining(['JPY', 'KRW', 'CLP']) } }, required: ['currency'] },
      then: { properties: { amount: { type: 'string', pattern: '^[1-9]\\d{0,14}$' } } },
    });
    expect(body.allOf).toContainEqual(
      expect.objectContaining({ if: { properties: { currency: { enum: expect.arrayContaining(['KWD', 'BHD']) } }, required: ['currency'] } }),
    );
  });
});

describe('migration 003 (money per currency)', () => {
  it('keeps the payments recorded before it exact, and then holds 3 and 4 fraction digits', async () => {
    const old = await createTestDatabase('payment-service', migrations.slice(0, -1));
    try {
      const insert = (amount: string) =>
        old.db.raw(
          `insert into payments (id, order_reference, amount, currency, payment_method, status, customer_id,
                                 customer_first_name, customer_last_name, customer_email)
           values (gen_random_uuid(), ?, ?, 'EUR', 'VISA', 'CONFIRMED', 'c', 'A', 'B', 'a@b.co')`,
          [`ORD-MIG${amount.replace('.', '')}`, amount],
        );
      await insert('49.90');
      await insert('1000.00');
      await migrate(old.db, migrations);
      await insert('1.234');
      await insert('0.0001');
      const rows = await old.db('payments').select(old.db.raw('amount::text as amount')).orderBy('created_at');
      expect(rows.map((row: { amount: string }) => row.amount).sort()).toEqual(['0.0001', '1.234', '1000.00', '49.90']);
      await expect(insert('0.00001')).rejects.toThrow(/payments_amount_precision/);
    } finally {
      await old.drop();
    }
  });
});
