import { createOrder, type Order } from '../../src/domain/order';
import type { ClaimedOrder, OrderRepository, PaymentOutcomeRecord } from '../../src/domain/order-repository';
import type { PaymentGateway } from '../../src/domain/payment-gateway';
import { retryPendingPayments } from '../../src/domain/retry-pending-payments';

const input = {
  customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  currency: 'EUR' as const,
  paymentMethod: 'VISA' as const,
  items: [{ productId: 'p-1', name: 'Pen', quantity: 1, unitPrice: '1.00' }],
};

/** Due orders in memory; counts how many are claimed and not yet recorded at any moment. */
function dueOrders(count: number) {
  const due: Order[] = Array.from({ length: count }, () => createOrder(input));
  const state = { claimedNow: 0, mostClaimedAtOnce: 0, claimed: 0 };
  const orders: Pick<OrderRepository, 'claimDuePayments' | 'recordPaymentOutcome' | 'findByReference'> = {
    async claimDuePayments(limit: number): Promise<ClaimedOrder[]> {
      const taken = due.splice(0, limit).map((order) => ({ order, lease: 1 }));
      state.claimed += taken.length;
      state.claimedNow += taken.length;
      state.mostClaimedAtOnce = Math.max(state.mostClaimedAtOnce, state.claimedNow);
      return taken;
    },
    async recordPaymentOutcome(_reference: string, _lease: number, outcome: PaymentOutcomeRecord) {
      state.claimedNow -= 1;
      return { status: outcome.status, paymentId: outcome.paymentId ?? null, paymentAttempts: 1, paymentError: null };
    },
    async findByReference() {
      return undefined;
    },
  };
  return { orders: orders as OrderRepository, state };
}

const slowPayments: PaymentGateway = {
  async requestPayment(request) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { kind: 'confirmed', paymentId: `pay-${request.orderReference}` };
  },
};

describe('the retry sweep', () => {
  it('holds no more claimed orders than it tries at once, so no claim waits in a queue while its lease runs', async () => {
    const { orders, state } = dueOrders(10);
    const report = await retryPendingPayments({ orders, payments: slowPayments }, { batchSize: 100, concurrency: 3, leaseMs: 30_000 });
    expect(report).toMatchObject({ tried: 10, paid: 10 });
    expect(state.mostClaimedAtOnce).toBe(3);
  });

  it('tries at most its batch size of orders', async () => {
    const { orders, state } = dueOrders(10);
    const report = await retryPendingPayments({ orders, payments: slowPayments }, { batchSize: 4, concurrency: 3, leaseMs: 30_000 });
    expect(report.tried).toBe(4);
    expect(state.claimed).toBe(4);
  });

  it('when one attempt fails, then the others still finish before the sweep reports the failure', async () => {
    const { orders, state } = dueOrders(6);
    let calls = 0;
    const failingOnce: PaymentGateway = {
      async requestPayment(request) {
        calls += 1;
        if (calls === 1) throw new Error('database connection lost');
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { kind: 'confirmed', paymentId: `pay-${request.orderReference}` };
      },
    };
    await expect(
      retryPendingPayments({ orders, payments: failingOnce }, { batchSize: 100, concurrency: 2, leaseMs: 30_000 }),
    ).rejects.toThrow(/connection lost/);
    // The failed order's claim is left to run out; every other claimed order was recorded.
    expect(state.claimedNow).toBe(1);
    expect(state.claimed).toBe(6);
  });
});
