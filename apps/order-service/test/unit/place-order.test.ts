// The Idempotency-Key story as the use case tells it, with no HTTP in sight:
// what a repeat of a key comes to is decided here; the route only maps it to a status.
import type { Order } from '../../src/domain/order';
import type { OrderOutcome } from '../../src/domain/order-outcome';
import type { IdempotencyClaim, OrderRepository, RecordedIdempotencyKey } from '../../src/domain/order-repository';
import type { PaymentGateway, PaymentOutcome } from '../../src/domain/payment-gateway';
import { placeOrder, requestHashOf } from '../../src/domain/place-order';
import { placeOrderSchema } from '../../src/http/order-schemas';

const input = {
  customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  currency: 'EUR' as const,
  paymentMethod: 'VISA' as const,
  items: [{ productId: 'p-1', name: 'Pen', quantity: 1, unitPrice: '1.00' }],
};

/** Orders and Idempotency-Keys in memory, as the Knex repository keeps them. */
function memoryOrders(options: { mayStillBeRunning?: boolean } = {}) {
  const orders = new Map<string, Order>();
  const keys = new Map<string, IdempotencyClaim & { orderReference: string; outcome?: OrderOutcome }>();
  const repository: Pick<OrderRepository, 'insert' | 'rememberOutcome' | 'findByReference' | 'recordPaymentOutcome'> = {
    async insert(order, { idempotency }) {
      const earlier = idempotency && keys.get(idempotency.key);
      if (earlier) {
        const recorded: RecordedIdempotencyKey = {
          requestHash: earlier.requestHash,
          orderReference: earlier.orderReference,
          outcome: earlier.outcome,
          mayStillBeRunning: options.mayStillBeRunning ?? false,
        };
        return { inserted: false, earlier: recorded };
      }
      orders.set(order.reference, order);
      if (idempotency) keys.set(idempotency.key, { ...idempotency, orderReference: order.reference });
      return { inserted: true, lease: 1 };
    },
    async rememberOutcome(key, outcome) {
      keys.get(key)!.outcome = outcome;
    },
    async findByReference(reference) {
      return orders.get(reference);
    },
    async recordPaymentOutcome(reference, _lease, record) {
      const order = orders.get(reference)!;
      const changed = { status: record.status, paymentId: record.paymentId ?? null, paymentAttempts: order.paymentAttempts + 1, paymentError: record.error ?? null };
      orders.set(reference, { ...order, ...changed });
      return changed;
    },
  };
  return { orders: repository as OrderRepository, saved: orders, keys };
}

function payments(answer: PaymentOutcome) {
  const asked: string[] = [];
  const gateway: PaymentGateway = {
    async requestPayment(request) {
      asked.push(request.orderReference);
      return answer;
    },
  };
  return { gateway, asked };
}

const options = (key?: string) => ({ graceMs: 30_000, idempotency: key === undefined ? undefined : { key, ttlMs: 3_600_000 } });

describe('placing an order with an Idempotency-Key', () => {
  it('when the same request comes again, then it answers what the first came to, replayed, and charges nothing more', async () => {
    const store = memoryOrders();
    const { gateway, asked } = payments({ kind: 'confirmed', paymentId: 'pay-1' });
    const first = await placeOrder(input, { orders: store.orders, payments: gateway }, options('k-1'));
    const again = await placeOrder(structuredClone(input), { orders: store.orders, payments: gateway }, options('k-1'));

    expect(first).toMatchObject({ outcome: 'paid', replayed: false });
    expect(again).toEqual({ ...first, replayed: true });
    expect(asked).toHaveLength(1);
    expect(store.saved.size).toBe(1);
    expect(store.keys.get('k-1')).toMatchObject({ requestHash: requestHashOf(input), outcome: { outcome: 'paid' } });
  });

  it('when the key comes with a different request, then it is refused as reused, and nothing is saved or charged', async () => {
    const store = memoryOrders();
    const { gateway, asked } = payments({ kind: 'confirmed', paymentId: 'pay-1' });
    await placeOrder(input, { orders: store.orders, payments: gateway }, options('k-2'));
    const different = { ...input, items: [{ ...input.items[0]!, quantity: 2 }] };

    expect(await placeOrder(different, { orders: store.orders, payments: gateway }, options('k-2'))).toEqual({ outcome: 'key_reused' });
    expect(store.saved.size).toBe(1);
    expect(asked).toHaveLength(1);
  });

  it('when the request holding the key has not answered and may still run, then a repeat is told it is in progress', async () => {
    const store = memoryOrders({ mayStillBeRunning: true });
    const { gateway, asked } = payments({ kind: 'confirmed', paymentId: 'pay-1' });
    // Taken by a request that is still at its payment call: no answer kept yet.
    store.keys.set('k-3', { key: 'k-3', requestHash: requestHashOf(input), expiresAt: new Date(Date.now() + 60_000), orderReference: 'ORD-EARLIER' });

    expect(await placeOrder(input, { orders: store.orders, payments: gateway }, options('k-3'))).toEqual({ outcome: 'in_progress' });
    expect(asked).toEqual([]);
    expect(store.saved.size).toBe(0);
  });

  it('when the request holding the key died before it answered, then a repeat answers with the order as it is now', async () => {
    const store = memoryOrders({ mayStillBeRunning: false });
    const { gateway } = payments({ kind: 'unavailable', reason: 'payment-service down' });
    const first = await placeOrder(input, { orders: store.orders, payments: gateway }, options('k-4'));
    if (!('order' in first)) throw new Error('expected an order');
    // It died before it kept its answer: nothing remembered under the key.
    delete store.keys.get('k-4')!.outcome;

    expect(await placeOrder(input, { orders: store.orders, payments: gateway }, options('k-4'))).toMatchObject({
      outcome: 'payment_pending',
      replayed: true,
      order: { reference: first.order.reference, status: 'PAYMENT_PENDING' },
    });
  });

  it('without a key, then each request places its own order and nothing is remembered', async () => {
    const store = memoryOrders();
    const { gateway } = payments({ kind: 'rejected', reason: 'card refused' });
    const first = await placeOrder(input, { orders: store.orders, payments: gateway }, options());
    const second = await placeOrder(input, { orders: store.orders, payments: gateway }, options());

    expect([first.outcome, second.outcome]).toEqual(['payment_rejected', 'payment_rejected']);
    expect(store.saved.size).toBe(2);
    expect(store.keys.size).toBe(0);
  });
});

describe("an Idempotency-Key's request hash", () => {
  it('stays what earlier releases computed (sha256 of the parsed order as JSON), so a key recorded before an update still matches its repeat', () => {
    // The body as a client may send it, fields in any order; the route parses it (placeOrderSchema) before hashing.
    const body = {
      paymentMethod: 'VISA',
      currency: 'EUR',
      items: [{ unitPrice: '1.50', quantity: 2, name: 'Pen', productId: 'p-1' }],
      customer: { email: 'ada@example.com', lastName: 'Lovelace', firstName: 'Ada', id: 'cust-42' },
    };
    // sha256 of '{"customer":{"id":"cust-42","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com"},
    // "items":[{"productId":"p-1","name":"Pen","quantity":2,"unitPrice":"1.50"}],"currency":"EUR","paymentMethod":"VISA"}'
    // (one line), as order-routes.ts computed it before the hash moved here.
    expect(requestHashOf(placeOrderSchema.parse(body))).toBe('59ea83d19a4cdc2dd96d3c6d80ed561667a464ae8cdf724ecc6955327986850a');
  });
});
