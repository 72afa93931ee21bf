// What enters order-service as text or money: ill-formed text is a 400 naming
// the field (never a 500, never a row, never a call to payment-service), and
// amounts carry exactly their currency's minor units, into the database and out.
import fc from 'fast-check';

import { migrate } from '@orderflow/service-kit';
import { ILL_FORMED_MESSAGE } from '@orderflow/contracts';
import type { buildOrderApp } from '../../src/app';
import { migrations } from '../../src/data/migrations';
import { orderServiceOpenApi } from '../../src/http/openapi';
import { startTestIssuer, type TestIssuer } from '../support/test-issuer';
import { asCustomer, buildTestOrderApp, confirmingPayments } from './order-test-app';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { startStubSidecar, type StubSidecar } from '../../../../test-support/stub-sidecar';
import { hostileHeaderText, hostileText, percentEncode } from '../../../../test-support/hostile-text';

const customer = { id: 'cust-text', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
const order = (overrides: object = {}, item: object = {}) => ({
  customer,
  items: [{ productId: 'book-1', name: 'Notes on the Analytical Engine', quantity: 2, unitPrice: '24.95', ...item }],
  currency: 'EUR',
  paymentMethod: 'VISA',
  ...overrides,
});

let database: TestDatabase;
let sidecar: StubSidecar;
let issuer: TestIssuer;
let app: ReturnType<typeof buildOrderApp>;
let token: string;
const asAda = () => asCustomer(app, token);

beforeAll(async () => {
  database = await createTestDatabase('order-service', migrations);
  sidecar = await startStubSidecar(confirmingPayments);
  issuer = await startTestIssuer();
  token = await issuer.tokenFor(customer.id);
  app = buildTestOrderApp(database.db, sidecar.port, { authentication: issuer.authentication });
});

afterAll(async () => {
  await sidecar.close();
  await issuer.close();
  await database.drop();
});

async function written(): Promise<{ orders: number; lines: number; keys: number; calls: number }> {
  const count = async (table: string) => Number((await database.db(table).count('* as n'))[0]!.n);
  return { orders: await count('orders'), lines: await count('order_lines'), keys: await count('idempotency_keys'), calls: sidecar.requests.length };
}

function withField(body: ReturnType<typeof order>, field: string, text: string): object {
  const [head, ...rest] = field.split('.');
  if (head === 'customer') return { ...body, customer: { ...body.customer, [rest[0]!]: text } };
  if (head === 'items') return { ...body, items: [{ ...body.items[0], [rest[0]!]: text }] };
  return { ...body, [head!]: text };
}

const BODY_FIELDS = [
  'customer.id', 'customer.firstName', 'customer.lastName', 'customer.email',
  'items.productId', 'items.name', 'items.unitPrice', 'currency', 'paymentMethod',
];
/** The problem's name for a body field: items.name → items[0].name. */
const problemField = (field: string) => field.replace('items.', 'items[0].');

describe('text that enters order-service', () => {
  it('when a customer\'s first name or an item name holds a lone surrogate, then it answers 400 naming the field, saves nothing and calls no one', async () => {
    const before = await written();
    for (const [body, field] of [
      [order({ customer: { ...customer, firstName: 'Ada\ud800' } }), 'customer.firstName'],
      [order({}, { name: 'Pen \udc00' }), 'items[0].name'],
    ] as const) {
      const response = await asAda().post('/orders').send(body);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field, message: ILL_FORMED_MESSAGE }]);
    }
    expect(await written()).toEqual(before);
  });

  it('when any body field holds arbitrary text, then it never answers 5xx, and a 4xx writes nothing and calls no one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BODY_FIELDS), hostileText, async (field, text) => {
        const before = await written();
        const response = await asAda().post('/orders').send(withField(order(), field, text));
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) {
          expect(await written()).toEqual(before);
          if (response.status === 400) expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(problemField(field));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('when the Idempotency-Key header holds arbitrary bytes, then it never answers 5xx, and a 4xx writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(hostileHeaderText, async (key) => {
        const before = await written();
        const response = await asAda().post('/orders').set('idempotency-key', key).send(order({}, { name: 'Ink' }));
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) expect(await written()).toEqual(before);
        // The HTTP parser trims spaces and tabs around a header value; what is left is the key.
        if (/[^\x21-\x7e]/.test(key.replace(/^[ \t]+|[ \t]+$/g, ''))) expect(response.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
      }),
      { numRuns: 60 },
    );
  });

  it('when a query parameter or the order reference holds arbitrary text, then it answers 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('customerId', 'cursor', 'limit', 'reference'), hostileText, async (where, text) => {
        const path = where === 'reference' ? `/orders/${percentEncode(text)}` : `/orders?${where}=${percentEncode(text)}`;
        const response = await asAda().get(path);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });

  it.each([
    ['a lone surrogate', 'cust\ud800'],
    ['a NUL', 'cust\u0000'],
    ['a line break', 'cust\n1'],
  ])('when the token\'s sub claim holds %s, then it answers 401, not 500', async (_what, subject) => {
    const response = await asCustomer(app, await issuer.tokenFor(subject)).get('/orders');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('invalid_token');
  });
});

describe('money in its currency', () => {
  it.each([
    ['10.50', 'JPY', 'must be a whole number in JPY, which has no minor units'],
    ['1.5', 'KRW', 'must be a whole number in KRW, which has no minor units'],
    ['0.01', 'CLP', 'must be a whole number in CLP, which has no minor units'],
    ['1.234', 'EUR', 'must have at most 2 fraction digits in EUR'],
  ])('when a unit price is %p %s, then it answers 400 naming items[0].unitPrice and saves nothing', async (unitPrice, currency, message) => {
    const before = await written();
    const response = await asAda().post('/orders').send(order({ currency }, { unitPrice }));
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'items[0].unitPrice', message }]);
    expect(await written()).toEqual(before);
  });

  it.each(['HRK', 'SLL', 'ZWL'])('when the currency is the withdrawn %s, then it answers 400 naming currency', async (currency) => {
    const response = await asAda().post('/orders').send(order({ currency }, { unitPrice: '1.00' }));
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual(['currency']);
  });

  it('when an order is in KWD "1.234", then it is charged, stored and read back as exactly "1.234"', async () => {
    const placed = await asAda().post('/orders').send(order({ currency: 'KWD' }, { unitPrice: '1.234', quantity: 1 }));
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ amount: '1.234', currency: 'KWD', items: [{ unitPrice: '1.234', lineTotal: '1.234' }] });
    expect(sidecar.requests.at(-1)?.body).toMatchObject({ amount: '1.234', currency: 'KWD' });
    const row = await database.db('orders').select(database.db.raw('amount::text as amount')).where({ reference: placed.body.reference }).first();
    expect(row.amount).toBe('1.234');
    const read = await asAda().get(`/orders/${placed.body.reference}`);
    expect(read.body).toMatchObject({ amount: '1.234', items: [{ unitPrice: '1.234', lineTotal: '1.234' }] });
  });

  it('when an order is in JPY, then its amounts have no fraction digits anywhere ("2000", not "2000.00")', async () => {
    const placed = await asAda().post('/orders').send(order({ currency: 'JPY' }, { unitPrice: '1000', quantity: 2 }));
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ amount: '2000', items: [{ unitPrice: '1000', lineTotal: '2000' }] });
    expect(sidecar.requests.at(-1)?.body).toMatchObject({ amount: '2000', currency: 'JPY' });
    const read = await asAda().get(`/orders/${placed.body.reference}`);
    expect(read.body).toMatchObject({ amount: '2000', items: [{ unitPrice: '1000', lineTotal: '2000' }] });
  });

  it('when an order is in JPY, then its rows hold "2000.00": what the previous release, reading them as strings, always read', async () => {
    const placed = await asAda().post('/orders').send(order({ currency: 'JPY' }, { unitPrice: '1000', quantity: 2 }));
    expect(placed.status).toBe(201);
    // As node-postgres gives them to the previous release, which sends the amount on to payment-service as it is.
    const row = await database.db('orders').select('id', 'amount').where({ reference: placed.body.reference }).first();
    const line = await database.db('order_lines').select('unit_price', 'line_total').where({ order_id: row.id }).first();
    expect([row.amount, line.unit_price, line.line_total]).toEqual(['2000.00', '1000.00', '2000.00']);
  });

  it('when EUR "49.9" is given, then it is stored and answered as "49.90"', async () => {
    const placed = await asAda().post('/orders').send(order({}, { unitPrice: '49.9', quantity: 1 }));
    expect(placed.body).toMatchObject({ amount: '49.90', items: [{ unitPrice: '49.90' }] });
    const read = await asAda().get(`/orders/${placed.body.reference}`);
    expect(read.body).toMatchObject({ amount: '49.90', items: [{ unitPrice: '49.90', lineTotal: '49.90' }] });
  });
});

describe('the OpenAPI document', () => {
  it('carries each unit price\'s digits per currency (an if/then per group of minor units)', () => {
    const operation = orderServiceOpenApi.paths['/orders'] as { post: { requestBody: { content: Record<string, { schema: { allOf: object[] } }> } } };
    const body = operation.post.requestBody.content['application/json']!.schema;
    expect(body.allOf).toContainEqual({
      if: { properties: { currency: { enum: expect.arrayContaining(['JPY', 'KRW', 'CLP']) } }, required: ['currency'] },
      then: { properties: { items: { items: { properties: { unitPrice: { type: 'string', pattern: '^[1-9]\\d{0,8}$' } } } } } },
    });
  });
});

describe('migration 005 (money per currency)', () => {
  it('keeps the rows written before it exact, and then holds a currency\'s 3 and 4 fraction digits', async () => {
    const old = await createTestDatabase('order-service', migrations.slice(0, -1));
    try {
      const insert = (amount: string) =>
        old.db.raw(
          `insert into orders (reference, customer_id, customer_first_name, customer_last_name, customer_email, currency, payment_method, amount, status)
           values (?, 'c', 'A', 'B', 'a@b.co', 'EUR', 'VISA', ?, 'PAYMENT_PENDING') returning id`,
          [`ORD-MIG${amount.replace('.', '')}`, amount],
        );
      await insert('49.90');
      await insert('0.01');
      await migrate(old.db, migrations);
      await insert('1.234');
      await insert('0.0001');
      const rows = await old.db('orders').select(old.db.raw('amount::text as amount')).orderBy('id');
      expect(rows.map((row: { amount: string }) => row.amount)).toEqual(['49.90', '0.01', '1.234', '0.0001']);
      await expect(insert('0.00001')).rejects.toThrow(/orders_amount_precision/);
    } finally {
      await old.drop();
    }
  });
});

