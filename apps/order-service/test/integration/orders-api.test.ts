import request from 'supertest';
import { orderServiceOpenApi } from '../../src/http/openapi';
import { startTestIssuer, type TestIssuer } from '../support/test-issuer';
import { answeredRoutes, documentedRoutes } from '../../../../test-support/openapi-drift';
import type { buildOrderApp } from '../../src/app';
import { asCustomer, buildTestOrderApp, confirmingPayments } from './order-test-app';
import { migrations } from '../../src/data/migrations';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { startStubSidecar, type StubSidecar } from '../../../../test-support/stub-sidecar';

const customer = { id: 'cust-42', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
const validOrder = {
  customer,
  items: [
    { productId: 'book-1', name: 'Notes on the Analytical Engine', quantity: 2, unitPrice: '24.95' },
    { productId: 'pen-7', name: 'Pen', quantity: 1, unitPrice: '0.10' },
  ],
  currency: 'EUR',
  paymentMethod: 'VISA',
};

let database: TestDatabase;
let sidecar: StubSidecar;
let issuer: TestIssuer;
let app: ReturnType<typeof buildOrderApp>;
/** Each customer's bearer token. */
const tokens: Record<string, string> = {};

beforeAll(async () => {
  database = await createTestDatabase('order-service', migrations);
  sidecar = await startStubSidecar(confirmingPayments);
  issuer = await startTestIssuer();
  for (const id of [customer.id, 'cust-pager', 'cust-hurried']) tokens[id] = await issuer.tokenFor(id);
  app = buildTestOrderApp(database.db, sidecar.port, { authentication: issuer.authentication });
});

afterAll(async () => {
  await sidecar.close();
  await issuer.close();
  await database.drop();
});

/** Requests of a customer (cust-42 unless named), with their token, through the sidecar. */
const as = (target: ReturnType<typeof buildOrderApp>, customerId = customer.id) => asCustomer(target, tokens[customerId]!);

beforeEach(() => {
  sidecar.requests.length = 0;
  sidecar.answerWith(confirmingPayments);
});

const countOrders = async () => Number((await database.db('orders').count<{ count: string }[]>('* as count'))[0]!.count);
const countLines = async () => Number((await database.db('order_lines').count<{ count: string }[]>('* as count'))[0]!.count);

describe('POST /orders', () => {
  it('when payment confirms, then it answers 201 PAID with the computed total', async () => {
    const response = await as(app).post('/orders').send(validOrder);

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      status: 'PAID',
      amount: '50.00',
      currency: 'EUR',
      paymentId: '0b0d2f5a-8f5c-4c3e-9d1e-7b1f0c2a9e11',
      customer,
    });
    expect(response.body.reference).toMatch(/^ORD-/);
    expect(response.body.items[0]).toEqual({ ...validOrder.items[0], lineTotal: '49.90' });
    expect(response.headers.location).toBe(`/orders/${response.body.reference}`);
  });

  it('sends the PaymentRequest to app-id payment-service through the sidecar', async () => {
    const response = await as(app).post('/orders').send(validOrder);

    expect(sidecar.requests).toHaveLength(1);
    const [call] = sidecar.requests;
    expect(call!.method).toBe('POST');
    expect(call!.path).toBe('/v1.0/invoke/payment-service/method/payments');
    expect(call!.body).toEqual({
      orderReference: response.body.reference,
      amount: '50.00',
      currency: 'EUR',
      paymentMethod: 'VISA',
      customer,
    });
  });

  it('stores the order and its lines with exact amounts', async () => {
    const response = await as(app).post('/orders').send(validOrder);

    const row = await database.db('orders').where({ reference: response.body.reference }).first();
    expect(row).toMatchObject({ status: 'PAID', amount: '50.00', customer_email: 'ada@example.com', payment_attempts: 1 });
    const lines = await database.db('order_lines').where({ order_id: row.id }).orderBy('line_number');
    expect(lines.map((line: { unit_price: string }) => line.unit_price)).toEqual(['24.95', '0.10']);
  });

  it('when payment-service is down, then it still saves the order and answers 202 PAYMENT_PENDING with a readable message', async () => {
    sidecar.answerWith(() => ({
      status: 500,
      body: { errorCode: 'ERR_DIRECT_INVOKE', message: 'circuit breaker is open' },
    }));
    const response = await as(app).post('/orders').send(validOrder);

    expect(response.status).toBe(202);
    expect(response.body.status).toBe('PAYMENT_PENDING');
    expect(response.body.message).toMatch(/saved/);
    const row = await database.db('orders').where({ reference: response.body.reference }).first();
    expect(row.status).toBe('PAYMENT_PENDING');
    expect(row.last_payment_error).toContain('circuit breaker is open');
  });

  it('when the sidecar does not answer in time, then it answers 202 instead of waiting', async () => {
    sidecar.answerWith(() => ({ status: 201, delayMs: 3_000 }));
    const started = Date.now();
    const response = await as(app).post('/orders').send(validOrder);

    expect(response.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('when payment-service refuses the charge, then the order is marked PAYMENT_REJECTED and the answer is a 502 problem', async () => {
    sidecar.answerWith(() => ({ status: 409, body: { type: 'conflict' } }));
    const response = await as(app).post('/orders').send(validOrder);

    expect(response.status).toBe(502);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const reference = /order (ORD-\w+)/.exec(response.body.detail)?.[1];
    const row = await database.db('orders').where({ reference }).first();
    expect(row.status).toBe('PAYMENT_REJECTED');
  });
});

describe('POST /orders with bad input', () => {
  const cases: Array<[string, unknown, string[]]> = [
    ['a missing customer', { ...validOrder, customer: undefined }, ['customer']],
    ['an unknown field', { ...validOrder, coupon: 'FREE' }, ['coupon']],
    ['a zero quantity', { ...validOrder, items: [{ ...validOrder.items[0], quantity: 0 }] }, ['items[0].quantity']],
    ['a negative quantity', { ...validOrder, items: [{ ...validOrder.items[0], quantity: -1 }] }, ['items[0].quantity']],
    ['a fractional quantity', { ...validOrder, items: [{ ...validOrder.items[0], quantity: 1.5 }] }, ['items[0].quantity']],
    ['three fraction digits', { ...validOrder, items: [{ ...validOrder.items[0], unitPrice: '1.999' }] }, ['items[0].unitPrice']],
    ['a price as a number', { ...validOrder, items: [{ ...validOrder.items[0], unitPrice: 24.95 }] }, ['items[0].unitPrice']],
    ['a negative price', { ...validOrder, items: [{ ...validOrder.items[0], unitPrice: '-1.00' }] }, ['items[0].unitPrice']],
    ['an unknown currency', { ...validOrder, currency: 'XYZ' }, ['currency']],
    ['an unknown payment method', { ...validOrder, paymentMethod: 'CASH' }, ['paymentMethod']],
    ['a malformed e-mail address', { ...validOrder, customer: { ...customer, email: 'ada-at-example' } }, ['customer.email']],
    ['no items', { ...validOrder, items: [] }, ['items']],
    [
      'several bad fields at once',
      { ...validOrder, currency: 'eur', customer: { ...customer, email: 'x' }, items: [{ ...validOrder.items[0], quantity: 0 }] },
      ['currency', 'customer.email', 'items[0].quantity'],
    ],
  ];

  it.each(cases)('when the body has %s, then it answers 400 naming the field and writes nothing', async (_name, body, fields) => {
    const before = [await countOrders(), await countLines()];
    const response = await as(app).post('/orders').send(body as object);

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(fields);
    expect([await countOrders(), await countLines()]).toEqual(before);
    expect(sidecar.requests).toHaveLength(0);
  });

  it('when the body is not JSON, then it answers 400 problem+json', async () => {
    const response = await as(app).post('/orders').set('content-type', 'application/json').send('{"customer":');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.title).toMatch(/not valid JSON/);
  });

  it('when the content type is not JSON, then it answers 415', async () => {
    const response = await as(app).post('/orders').set('content-type', 'text/plain').send(JSON.stringify(validOrder));
    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('when the body is over the limit, then it answers 413 problem+json naming the limit and writes nothing', async () => {
    const before = await countOrders();
    const huge = { ...validOrder, items: [{ ...validOrder.items[0], name: 'x'.repeat(70_000) }] };
    const response = await as(app).post('/orders').send(huge);
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.detail).toContain('at most 65536 bytes');
    expect(await countOrders()).toBe(before);
  });
});

describe('GET /orders', () => {
  it('finds an order by its reference, and answers 404 problem for an unknown one', async () => {
    const created = await as(app).post('/orders').send(validOrder);
    const found = await as(app).get(`/orders/${created.body.reference}`);
    expect(found.status).toBe(200);
    expect(found.body).toEqual(created.body);

    const missing = await as(app).get('/orders/ORD-0000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('pages a customer\'s orders newest first, with a cursor to the next page', async () => {
    const pager = { ...validOrder, customer: { ...customer, id: 'cust-pager' } };
    const references: string[] = [];
    for (let i = 0; i < 5; i += 1) references.push((await as(app, 'cust-pager').post('/orders').send(pager)).body.reference);

    const first = await as(app, 'cust-pager').get('/orders').query({ customerId: 'cust-pager', limit: 2 });
    expect(first.status).toBe(200);
    expect(first.body.items.map((o: { reference: string }) => o.reference)).toEqual([references[4], references[3]]);
    const second = await as(app, 'cust-pager').get('/orders').query({ customerId: 'cust-pager', limit: 2, cursor: first.body.nextCursor });
    expect(second.body.items.map((o: { reference: string }) => o.reference)).toEqual([references[2], references[1]]);
    const third = await as(app, 'cust-pager').get('/orders').query({ customerId: 'cust-pager', limit: 2, cursor: second.body.nextCursor });
    expect(third.body.items.map((o: { reference: string }) => o.reference)).toEqual([references[0]]);
    expect(third.body.nextCursor).toBeNull();
  });

  it('refuses a made-up cursor or limit with 400 naming the field', async () => {
    const badCursor = await as(app).get('/orders').query({ cursor: 'bm9wZQ' });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors[0].field).toBe('cursor');
    const badLimit = await as(app).get('/orders').query({ limit: 1000 });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.errors[0].field).toBe('limit');
  });
});

describe('health', () => {
  it('is live, and ready while its database answers', async () => {
    expect((await request(app).get('/health/live')).status).toBe(200);
    expect((await request(app).get('/health/ready')).status).toBe(200);
  });
});

describe('rate limit', () => {
  it('answers 429 problem with Retry-After once a customer exceeds the orders allowed per minute, and saves nothing more', async () => {
    const limited = buildTestOrderApp(database.db, sidecar.port, { ordersPerCustomerPerMinute: 2, authentication: issuer.authentication });
    const hurried = { ...validOrder, customer: { ...customer, id: 'cust-hurried' } };
    expect((await as(limited, 'cust-hurried').post('/orders').send(hurried)).status).toBe(201);
    expect((await as(limited, 'cust-hurried').post('/orders').send(hurried)).status).toBe(201);
    const third = await as(limited, 'cust-hurried').post('/orders').send(hurried);

    expect(third.status).toBe(429);
    expect(third.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    const saved = await database.db('orders').where({ customer_id: 'cust-hurried' }).count<{ c: string }[]>('* as c');
    expect(saved).toEqual([{ c: '2' }]);
    expect((await as(limited).post('/orders').send(validOrder)).status).toBe(201);
  });
});

describe('GET /openapi.json', () => {
  it('serves an OpenAPI 3.1 document that describes exactly the routes the app answers', async () => {
    const response = await request(app).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body).toEqual(JSON.parse(JSON.stringify(orderServiceOpenApi)));
    expect(documentedRoutes(response.body)).toEqual(answeredRoutes(app));
  });
});
