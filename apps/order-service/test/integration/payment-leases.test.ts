// No order is stranded and none is charged twice at once: a new order is due
// for the sweep once the request that placed it can no longer be running; each
// attempt holds a lease on its order, claimed only when the attempt starts; an
// answer that comes after its lease ran out is fenced off; PAID and
// PAYMENT_REJECTED are final. The sweep is called directly here, one
// repository per call, as replicas would.
import { migrate } from '@orderflow/service-kit';
import { migrations } from '../../src/data/migrations';
import { KnexOrderRepository } from '../../src/data/order-repository';
import { createOrder, type OrderInput } from '../../src/domain/order';
import type { PaymentGateway } from '../../src/domain/payment-gateway';
import { placeOrder } from '../../src/domain/place-order';
import { retryPendingPayments, type SweepOptions } from '../../src/domain/retry-pending-payments';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { FakePaymentService, type FakeAnswer } from './fake-payment-service';

const input: OrderInput = {
  customer: { id: 'cust-9', firstName: 'Barbara', lastName: 'Liskov', email: 'barbara@example.com' },
  items: [{ productId: 'p-9', name: 'Abstraction', quantity: 1, unitPrice: '12.00' }],
  currency: 'EUR',
  paymentMethod: 'VISA',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('order-service', migrations);
});

afterAll(async () => {
  await database.drop();
});

beforeEach(async () => {
  await database.db.raw('truncate idempotency_keys, order_lines, orders');
});

const rowOf = (reference: string) => database.db('orders').where({ reference }).first();

/** One replica's sweep: its own repository, the given payment-service. */
const sweep = (payments: PaymentGateway, options: Partial<SweepOptions> = {}) =>
  retryPendingPayments(
    { orders: new KnexOrderRepository(database.db), payments },
    { batchSize: 100, concurrency: 4, leaseMs: 30_000, ...options },
  );

/** Pending orders due for the sweep now, as if the requests that placed them had died long ago. */
async function duePendingOrders(count: number): Promise<string[]> {
  const orders = new KnexOrderRepository(database.db);
  const references: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const order = createOrder(input);
    await orders.insert(order, { leaseMs: 0 });
    references.push(order.reference);
  }
  return references;
}

/**
 * One sweep claims the order with a 300 ms lease and its call hangs past it;
 * a second sweep takes the order over and gets `takeover`'s answer. Resolves
 * once the second sweep is done; the first is still waiting for its answer.
 */
async function stallThenTakeOver(reference: string, takeover: FakeAnswer) {
  const stalled = new FakePaymentService();
  stalled.answerWith(() => ({ kind: 'held' }));
  const stalledSweep = sweep(stalled, { leaseMs: 300 });
  await until(() => stalled.held.length === 1);
  await sleep(400);
  const second = new FakePaymentService();
  second.answerWith(() => takeover);
  const secondReport = await sweep(second);
  expect(second.requestsFor(reference)).toBe(1);
  return { stalledAnswer: stalled.held[0]!.answer, stalledSweep, secondReport };
}

describe('an order whose placing request died', () => {
  it('when the process dies between saving an order and recording its payment, then a sweep after the grace charges it, and it is paid once', async () => {
    const orders = new KnexOrderRepository(database.db);
    const paymentService = new FakePaymentService();
    // payment-service charges the customer, then order-service is killed before it records that.
    const dying: PaymentGateway = {
      async requestPayment(request) {
        await paymentService.requestPayment(request);
        throw new Error('order-service killed before recording the payment');
      },
    };
    await expect(placeOrder(input, { orders, payments: dying }, { graceMs: 1_000 })).rejects.toThrow(/killed/);
    const [saved] = await database.db('orders');
    expect(saved).toMatchObject({ status: 'PAYMENT_PENDING', payment_id: null });

    // The placing request might still be running: the sweep leaves the order to it.
    expect((await sweep(paymentService)).tried).toBe(0);

    await sleep(1_100);
    expect(await sweep(paymentService)).toMatchObject({ tried: 1, paid: 1 });
    const paid = await rowOf(saved.reference);
    expect(paid).toMatchObject({ status: 'PAID', payment_id: paymentService.payments.get(saved.reference), next_payment_attempt_at: null });
    // Asked twice (the second time it answers the payment it already has), charged once.
    expect(paymentService.requestsFor(saved.reference)).toBe(2);
    expect(paymentService.payments.size).toBe(1);
    expect((await sweep(paymentService)).tried).toBe(0);
  });
});

describe('leases on pending orders', () => {
  it('when two replicas sweep the same pending orders at once, then payment-service is never asked for one order twice at a time, and each order once', async () => {
    const references = await duePendingOrders(12);
    const paymentService = new FakePaymentService();
    paymentService.answerWith(() => ({ kind: 'charge', delayMs: 150 }));

    const [a, b] = await Promise.all([sweep(paymentService, { concurrency: 3 }), sweep(paymentService, { concurrency: 3 })]);

    expect(a.tried + b.tried).toBe(12);
    expect(paymentService.mostAtOnceForOneOrder).toBe(1);
    for (const reference of references) {
      expect(paymentService.requestsFor(reference)).toBe(1);
      expect((await rowOf(reference)).status).toBe('PAID');
    }
  });

  it('claims an order only when it is about to be tried, so no lease runs out while the order waits its turn behind slow calls', async () => {
    const references = await duePendingOrders(6);
    const paymentService = new FakePaymentService();
    paymentService.answerWith(() => ({ kind: 'charge', delayMs: 300 }));

    // One call at a time, 300 ms each: the last order's turn comes ~1.5 s in,
    // after a 1 s lease taken when the sweep started would have run out; then
    // another replica sweeps.
    const slow = sweep(paymentService, { concurrency: 1, leaseMs: 1_000 });
    await sleep(1_100);
    const other = await sweep(paymentService, { concurrency: 6, leaseMs: 1_000 });
    const first = await slow;

    expect(first.tried + other.tried).toBe(6);
    expect(paymentService.mostAtOnceForOneOrder).toBe(1);
    for (const reference of references) expect(paymentService.requestsFor(reference)).toBe(1);
  });

  it('when a lease runs out during the payment call, then its late answer changes nothing while the attempt that took the order over is under way', async () => {
    const [reference] = await duePendingOrders(1);
    const stalled = new FakePaymentService();
    stalled.answerWith(() => ({ kind: 'held' }));
    const stalledSweep = sweep(stalled, { leaseMs: 300 });
    await until(() => stalled.held.length === 1);
    await sleep(400);
    const takeover = new FakePaymentService();
    takeover.answerWith(() => ({ kind: 'held' }));
    const takeoverSweep = sweep(takeover);
    await until(() => takeover.held.length === 1);
    const whileTakenOver = await rowOf(reference!);

    stalled.held[0]!.answer({ kind: 'rejected', reason: 'a refusal that comes too late' });
    expect(await stalledSweep).toMatchObject({ tried: 1, leaseLost: 1, rejected: 0 });
    expect(await rowOf(reference!)).toEqual(whileTakenOver);
    expect(whileTakenOver).toMatchObject({ status: 'PAYMENT_PENDING', payment_attempts: 0 });

    takeover.held[0]!.answer({ kind: 'confirmed', paymentId: 'pay-takeover' });
    expect(await takeoverSweep).toMatchObject({ tried: 1, paid: 1 });
    expect(await rowOf(reference!)).toMatchObject({ status: 'PAID', payment_id: 'pay-takeover', payment_attempts: 1 });
  });
});

describe('final states', () => {
  it('when a late "unavailable" arrives for an order already PAYMENT_REJECTED, then the order stays rejected', async () => {
    const [reference] = await duePendingOrders(1);
    const { stalledAnswer, stalledSweep, secondReport } = await stallThenTakeOver(reference!, { kind: 'rejected' });
    expect(secondReport).toMatchObject({ rejected: 1 });

    stalledAnswer({ kind: 'unavailable', reason: 'timed out' });
    expect(await stalledSweep).toMatchObject({ leaseLost: 1 });
    const rejected = await rowOf(reference!);
    expect(rejected).toMatchObject({ status: 'PAYMENT_REJECTED', last_payment_error: 'card refused (fake)', next_payment_attempt_at: null });

    // Not even an answer holding the order's current lease reopens it.
    const orders = new KnexOrderRepository(database.db);
    const reopened = await orders.recordPaymentOutcome(reference!, Number(rejected.lease_version), { status: 'PAYMENT_PENDING', retryInMs: 0 });
    expect(reopened).toBeUndefined();
    expect(await rowOf(reference!)).toEqual(rejected);
    expect((await sweep(new FakePaymentService())).tried).toBe(0);
  });

  it('when a late "rejected" arrives for an order already PAID, then the order stays paid', async () => {
    const [reference] = await duePendingOrders(1);
    const { stalledAnswer, stalledSweep, secondReport } = await stallThenTakeOver(reference!, { kind: 'charge' });
    expect(secondReport).toMatchObject({ paid: 1 });

    stalledAnswer({ kind: 'rejected', reason: 'a refusal that comes too late' });
    expect(await stalledSweep).toMatchObject({ leaseLost: 1 });
    const paid = await rowOf(reference!);
    expect(paid).toMatchObject({ status: 'PAID', payment_id: 'pay-1' });

    const orders = new KnexOrderRepository(database.db);
    const unpaid = await orders.recordPaymentOutcome(reference!, Number(paid.lease_version), { status: 'PAYMENT_REJECTED', error: 'late' });
    expect(unpaid).toBeUndefined();
    expect(await rowOf(reference!)).toEqual(paid);
  });
});

describe('migration 004', () => {
  it('makes pending orders saved without a next attempt due now, so the sweep charges them', async () => {
    const before = await createTestDatabase('order-service', migrations.slice(0, 3));
    try {
      // What a request of the previous release that died after saving left behind.
      await before.db('orders').insert({
        reference: 'ORD-STRANDED00000001',
        customer_id: 'cust-old',
        customer_first_name: 'Old',
        customer_last_name: 'Order',
        customer_email: 'old@example.com',
        currency: 'EUR',
        payment_method: 'VISA',
        amount: '5.00',
        status: 'PAYMENT_PENDING',
      });
      await migrate(before.db, migrations);

      const row = await before.db('orders').where({ reference: 'ORD-STRANDED00000001' }).first();
      expect(row.next_payment_attempt_at).not.toBeNull();
      expect(new Date(row.next_payment_attempt_at).getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
      const paymentService = new FakePaymentService();
      const report = await retryPendingPayments(
        { orders: new KnexOrderRepository(before.db), payments: paymentService },
        { batchSize: 10, concurrency: 1, leaseMs: 30_000 },
      );
      expect(report).toMatchObject({ tried: 1, paid: 1 });
    } finally {
      await before.drop();
    }
  });
});
