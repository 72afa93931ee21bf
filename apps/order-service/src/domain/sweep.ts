// order-service's periodic work, run on each tick of the Dapr cron binding
// `payment-retry-sweep` (http/sweep-routes.ts): retry the pending payments, then
// forget the Idempotency-Keys past their time. The purge rides on this tick, the
// service's one mechanism for periodic work, rather than on a timer of its own
// (a second scheduler to stop, and one more per replica) or on the request that
// places an order (a customer would wait on a delete that is not theirs). Each
// tick deletes a bounded number, so a backlog drains over a few ticks without
// one long statement; a key is refused as taken only while unexpired
// (OrderRepository.insert), so a late purge is never wrong, only untidy.
import type { OrderRepository } from './order-repository';
import type { PaymentGateway } from './payment-gateway';
import { retryPendingPayments, type SweepOptions, type SweepReport } from './retry-pending-payments';

/** The most expired Idempotency-Keys one tick deletes. */
const IDEMPOTENCY_KEYS_PURGED_PER_SWEEP = 1_000;

interface SweepResult {
  payments: SweepReport;
  purgedIdempotencyKeys: number;
  /**
   * Why the purge failed, when it did. It does not fail the sweep: the payments
   * were retried and recorded, and their report must not be lost to a delete
   * that the next tick tries again anyway.
   */
  purgeError?: unknown;
}

export async function sweep(deps: { orders: OrderRepository; payments: PaymentGateway }, options: SweepOptions): Promise<SweepResult> {
  const payments = await retryPendingPayments(deps, options);
  try {
    const purgedIdempotencyKeys = await deps.orders.purgeExpiredIdempotencyKeys(IDEMPOTENCY_KEYS_PURGED_PER_SWEEP);
    return { payments, purgedIdempotencyKeys };
  } catch (purgeError) {
    return { payments, purgedIdempotencyKeys: 0, purgeError };
  }
}
