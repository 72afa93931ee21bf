// Orders saved while payment-service was unavailable are charged later by the
// retry sweep (driven by the sidecar's cron binding in the real system; called
// directly here), and an Idempotency-Key makes a retried POST create nothing.
// Orders are placed as a trusted service (customers and their tokens are
// orders-api.test.ts's and caller-auth.test.ts's business).
import type { buildOrderApp } from '../../src/app';
import { asService, buildTestOrderApp, paymentClientFor } from './order-test-app';
import { migrations } from '../../src/data/migrations';
import { KnexOrderRepository } from '../../src/data/order-repository';
import type { Knex } from '@orderflow/service-kit';
import { retryPendingPayments } from '../../src/domain/retry-pending-payments';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { startStubSidecar, type StubSidecar } from '../../../../test-support/stub-sidecar';

const customer = { id: 'cust-7', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' };
const order = { customer, items: [{ productId: 'p-1', name: 'Compiler', quantity: 1, unitPrice: '10.00' }], currency: 'USD', paymentMethod: 'PAYPAL' };

const paymentsCharged = new Map<string, string>();
const confirming = (req: { body: unknown }) => {
  const body = req.body as { orderReference: string; amount: string; currency: string; paymentMethod: string };
  const id = paymentsCharged.get(body.orderReference) ?? `00000000-0000-4000-8000-${String(paymentsCharged.size).padStart(12, '0')}`;
  paymentsCharged.set(body.orderReference, id);
  const { orderReference, amount, currency, paymentMethod } = body;
  return { status: 201, body: { id, orderReference, amount, currency, paymentMethod, status: 'CONFIRMED', createdAt: new Date().toISOString() } };
};
const down = () => ({ status: 500, body: { errorCode: 'ERR_DIRECT_INVOKE', message: 'circuit breaker is open' } });

let database: TestDatabase;
let sidecar: StubSidecar;
let app: ReturnType<typeof buildOrderApp>;

beforeAll(async () => {
  database = await createTestDatabase('order-service', migrations);
  sidecar = await startStubSidecar(confirming);
  app = buildTestOrderApp(database.db, sidecar.port);
});

afterAll(async () => {
  await sidecar.close();
  await database.drop();
});

beforeEach(() => {
  sidecar.requests.length = 0;
  sidecar.answerWith(confirming);
});

/** Makes every pending order due now, as if its backoff had passed. */
const makePendingDue = () =>
  database.db('orders').where({ status: 'PAYMENT_PENDING' }).update({ next_payment_attempt_at: database.db.raw("now() - interval '1 second'") });

describe('the payment retry sweep', () => {
  it('charges orders saved while payment-service was down once it is back, each exactly once', async () => {
    sidecar.answerWith(down);
    const pending = await Promise.all([1, 2, 3].map(() => asService(app).post('/orders').send(order)));
    expect(pending.map((r) => r.status)).toEqual([202, 202, 202]);

    // Not due yet: the sweep leaves them alone (backoff).
    expect((await asService(app).post('/payment-retry-sweep')).body.tried).toBe(0);

    // Still down when due: they stay pending, with one more attempt each.
    await makePendingDue();
    const stillDown = await asService(app).post('/payment-retry-sweep');
    expect(stillDown.body).toMatchObject({ tried: 3, stillPending: 3 });

    sidecar.answerWith(confirming);
    sidecar.requests.length = 0;
    await makePendingDue();
    const recovered = await asService(app).post('/payment-retry-sweep');
    expect(recovered.body).toMatchObject({ tried: 3, paid: 3 });
    expect(sidecar.requests).toHaveLength(3);

    for (const placed of pending) {
      const now = await asService(app).get(`/orders/${placed.body.reference}`);
      expect(now.body.status).toBe('PAID');
      expect(now.body.paymentId).toBe(paymentsCharged.get(placed.body.reference));
    }
    await makePendingDue();
    expect((await asService(app).post('/payment-retry-sweep')).body.tried).toBe(0);
  });

  it('backs off: each failed attempt pushes the next one further out', async () => {
    sidecar.answerWith(down);
    const placed = await asService(app).post('/orders').send(order);
    const delays: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const row = await database.db('orders').where({ reference: placed.body.reference }).first();
      delays.push(new Date(row.next_payment_attempt_at).getTime() - new Date(row.updated_at).getTime());
      await database.db('orders').where({ reference: placed.body.reference }).update({ next_payment_attempt_at: database.db.raw("now() - interval '1 second'") });
      await asService(app).post('/payment-retry-sweep');
    }
    expect(delays[0]).toBeGreaterThanOrEqual(1_900);
    expect(delays[1]).toBeGreaterThan(delays[0]!);
    expect(delays[2]).toBeGreaterThan(delays[1]!);
  });

  it('never lets two sweeps take the same order at once', async () => {
    sidecar.answerWith(down);
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => asService(app).post('/orders').send(order)));
    await makePendingDue();
    sidecar.answerWith((req) => ({ ...confirming(req), delayMs: 200 }));
    sidecar.requests.length = 0;

    const pendingBefore = Number((await database.db('orders').where({ status: 'PAYMENT_PENDING' }).count<{ c: string }[]>('* as c'))[0]!.c);
    // Two replicas' sweeps, each with its own repository and client, at the same moment.
    const sweep = () =>
      retryPendingPayments(
        { orders: new KnexOrderRepository(database.db), payments: paymentsClient() },
        { batchSize: 100, concurrency: 4, leaseMs: 30_000 },
      );
    const [a, b] = await Promise.all([sweep(), sweep()]);
    expect(a.tried + b.tried).toBe(pendingBefore);
    const references = sidecar.requests.map((r) => (r.body as { orderReference: string }).orderReference);
    expect(new Set(references).size).toBe(references.length);
  });
});

function paymentsClient() {
  return paymentClientFor(sidecar.port, 2_000);
}

describe('the sweep, for Idempotency-Keys', () => {
  it('when a key has outlived its time, then the next sweep forgets it, and leaves the live ones', async () => {
    const expired = `key-${Date.now()}-expired`;
    const live = `key-${Date.now()}-live`;
    await asService(app).post('/orders').set('idempotency-key', expired).send(order);
    await asService(app).post('/orders').set('idempotency-key', live).send(order);
    await database.db('idempotency_keys').where({ key: expired }).update({ expires_at: database.db.raw("now() - interval '1 second'") });

    expect((await asService(app).post('/payment-retry-sweep')).status).toBe(200);

    expect(await database.db('idempotency_keys').whereIn('key', [expired, live]).pluck('key')).toEqual([live]);
  });

  it('when the purge fails, then the sweep still answers with what it did to the payments and counts them', async () => {
    sidecar.answerWith(down);
    expect((await asService(app).post('/orders').send(order)).status).toBe(202);
    sidecar.answerWith(confirming);
    await makePendingDue();
    const paidSoFar = async () => {
      const metrics = await asService(app).get('/metrics');
      return Number(/orderflow_payment_retries_total\{result="paid",service="order-service"\} (\d+)/.exec(metrics.text)?.[1] ?? 0);
    };
    const paidBefore = await paidSoFar();

    // The purge's table is gone for this tick: its delete fails.
    await database.db.schema.renameTable('idempotency_keys', 'idempotency_keys_away');
    try {
      const swept = await asService(app).post('/payment-retry-sweep');
      expect(swept.status).toBe(200);
      expect(swept.body).toMatchObject({ tried: 1, paid: 1 });
    } finally {
      await database.db.schema.renameTable('idempotency_keys_away', 'idempotency_keys');
    }
    expect(await paidSoFar()).toBe(paidBefore + 1);
  });
});

describe('POST /orders with an Idempotency-Key', () => {
  it('answers a repeat of the same request with the original answer and creates nothing', async () => {
    const key = `key-${Date.now()}-a`;
    const first = await asService(app).post('/orders').set('idempotency-key', key).send(order);
    const countAfterFirst = await database.db('orders').count<{ c: string }[]>('* as c');
    const again = await asService(app).post('/orders').set('idempotency-key', key).send(order);

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await database.db('orders').count<{ c: string }[]>('* as c')).toEqual(countAfterFirst);
    expect(sidecar.requests).toHaveLength(1);
  });

  it('takes a repeat whose fields come in another order for the same request, and replays its answer', async () => {
    const key = `key-${Date.now()}-order`;
    const first = await asService(app).post('/orders').set('idempotency-key', key).send(order);
    const { paymentMethod, currency, items, customer: sameCustomer } = order;
    const again = await asService(app).post('/orders').set('idempotency-key', key).send({ paymentMethod, items, currency, customer: sameCustomer });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('replays a 202 PAYMENT_PENDING answer as it was given', async () => {
    sidecar.answerWith(down);
    const key = `key-${Date.now()}-b`;
    const first = await asService(app).post('/orders').set('idempotency-key', key).send(order);
    const again = await asService(app).post('/orders').set('idempotency-key', key).send(order);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
  });

  it('answers 422 when the same key comes with a different body, and creates nothing', async () => {
    const key = `key-${Date.now()}-c`;
    await asService(app).post('/orders').set('idempotency-key', key).send(order);
    const before = await database.db('orders').count<{ c: string }[]>('* as c');
    const different = await asService(app)
      .post('/orders')
      .set('idempotency-key', key)
      .send({ ...order, items: [{ ...order.items[0], quantity: 2 }] });
    expect(different.status).toBe(422);
    expect(different.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await database.db('orders').count<{ c: string }[]>('* as c')).toEqual(before);
  });

  it('creates one order when the same key arrives many times at once', async () => {
    sidecar.answerWith((req) => ({ ...confirming(req), delayMs: 150 }));
    const key = `key-${Date.now()}-d`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => asService(app).post('/orders').set('idempotency-key', key).send(order)));
    const created = answers.filter((a) => a.status === 201);
    const inProgress = answers.filter((a) => a.status === 409);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(created.length + inProgress.length).toBe(5);
    expect(new Set(created.map((a) => a.body.reference)).size).toBe(1);
    const row = await database.db('idempotency_keys').where({ key }).first();
    expect(await database.db('orders').where({ reference: row.order_reference }).count<{ c: string }[]>('* as c')).toEqual([{ c: '1' }]);
  });

  it('when payment-service refuses the charge, then a repeat of the key replays the same 502 problem and creates nothing', async () => {
    sidecar.answerWith(() => ({ status: 409, body: { type: 'conflict' } }));
    const key = `key-${Date.now()}-e`;
    const first = await asService(app).post('/orders').set('idempotency-key', key).send(order);
    const countAfterFirst = await database.db('orders').count<{ c: string }[]>('* as c');
    const again = await asService(app).post('/orders').set('idempotency-key', key).send(order);

    expect(first.status).toBe(502);
    expect(again.status).toBe(502);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await database.db('orders').count<{ c: string }[]>('* as c')).toEqual(countAfterFirst);
    expect(sidecar.requests).toHaveLength(1);
  });

  it('when the request holding the key died before answering, then a repeat answers 409 while it may still run, and the order\'s real state once past the grace', async () => {
    const graceMs = 1_000;
    // The first request saves its order and is killed before it records the payment.
    const dying = buildTestOrderApp(database.db, sidecar.port, {
      paymentGraceMs: graceMs,
      payments: {
        requestPayment: async () => {
          throw new Error('order-service killed during the payment call');
        },
      },
    });
    const replica = buildTestOrderApp(database.db, sidecar.port, { paymentGraceMs: graceMs });
    const key = `key-${Date.now()}-f`;
    expect((await asService(dying).post('/orders').set('idempotency-key', key).send(order)).status).toBe(500);
    const { order_reference: reference } = await database.db('idempotency_keys').where({ key }).first();

    const early = await asService(replica).post('/orders').set('idempotency-key', key).send(order);
    expect(early.status).toBe(409);
    expect(early.headers['retry-after']).toBe('1');

    await new Promise((resolve) => setTimeout(resolve, graceMs + 100));
    const pending = await asService(replica).post('/orders').set('idempotency-key', key).send(order);
    expect(pending.status).toBe(202);
    expect(pending.headers['idempotent-replayed']).toBe('true');
    expect(pending.body).toMatchObject({ reference, status: 'PAYMENT_PENDING', message: expect.stringMatching(/saved/) });

    // Its order came due when the grace ran out: the sweep charges it.
    sidecar.answerWith(confirming);
    await asService(replica).post('/payment-retry-sweep');
    const paid = await asService(replica).post('/orders').set('idempotency-key', key).send(order);
    expect(paid.status).toBe(201);
    expect(paid.headers['idempotent-replayed']).toBe('true');
    expect(paid.body).toEqual((await asService(replica).get(`/orders/${reference}`)).body);
    expect(paid.body.status).toBe('PAID');
    expect(await database.db('orders').where({ reference }).count<{ c: string }[]>('* as c')).toEqual([{ c: '1' }]);
  });

  it('refuses a key with spaces or over 200 characters with 400 naming the header', async () => {
    const spaced = await asService(app).post('/orders').set('idempotency-key', 'has space').send(order);
    expect(spaced.status).toBe(400);
    expect(spaced.body.errors[0].field).toBe('Idempotency-Key');
    const long = await asService(app).post('/orders').set('idempotency-key', 'k'.repeat(201)).send(order);
    expect(long.status).toBe(400);
  });
});

describe('GET /metrics', () => {
  it('shows the pending-payment backlog and POST /orders outcomes', async () => {
    sidecar.answerWith(down);
    await asService(app).post('/orders').send(order);

    const metrics = await asService(app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/orderflow_payment_pending_backlog\{service="order-service"\} [1-9]/);
    expect(metrics.text).toMatch(/orderflow_orders_placed_total\{outcome="payment_pending",service="order-service"\} [1-9]/);
    expect(metrics.text).toContain('route="/orders"');
    expect(metrics.text).toContain('process_resident_memory_bytes');
    // No gauge that counts every order on each scrape.
    expect(metrics.text).not.toMatch(/^orderflow_orders\{/m);
  });

  it('counts the backlog through the partial index of pending orders, never by reading the whole orders table', async () => {
    const queries: { sql: string; bindings: readonly Knex.RawBinding[] }[] = [];
    const capture = (query: { sql: string; bindings: readonly Knex.RawBinding[] }) => queries.push(query);
    database.db.on('query', capture);
    await new KnexOrderRepository(database.db).countPendingPayments();
    database.db.off('query', capture);
    expect(queries).toHaveLength(1);
    // What knex sent (pg's $1 placeholders), explained with the same bindings.
    const [{ sql, bindings }] = queries as [{ sql: string; bindings: readonly Knex.RawBinding[] }];
    const plan = await database.db.transaction(async (trx) => {
      // With a table scan ruled out, PostgreSQL must find an index that answers the query by itself.
      await trx.raw('set local enable_seqscan = off');
      const explained = await trx.raw<{ rows: { 'QUERY PLAN': string }[] }>(`explain ${sql.replace(/\$\d+/g, '?')}`, bindings);
      return explained.rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('orders_payment_due');
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
