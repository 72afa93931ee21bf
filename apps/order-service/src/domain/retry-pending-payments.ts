// The retry sweep: orders saved while payment-service was slow or down, and
// orders whose placing request died before it recorded an outcome, are charged
// later, automatically, with backoff (see paymentRetryDelayMs). Each order is
// claimed with its own lease, longer than the worst payment call, only when a
// worker is free to try it at once: no lease runs out while an order waits its
// turn, so several replicas sweeping at once never try the same order together.
// If a lease does run out (a stalled process), the late answer is fenced off
// (settle-payment.ts); and payment-service records at most one payment per
// order reference, so even then nothing is charged twice.
import type { OrderRepository } from './order-repository';
import type { PaymentGateway } from './payment-gateway';
import { settlePayment } from './settle-payment';

export interface SweepOptions {
  /** The most orders one sweep tries. */
  batchSize: number;
  /** How long a claimed order is left alone by other sweeps; longer than the worst payment call. */
  leaseMs: number;
  /** Orders tried at the same time. */
  concurrency: number;
}

export interface SweepReport {
  tried: number;
  paid: number;
  stillPending: number;
  rejected: number;
  /** Answers that came after their lease ran out, and were not recorded. */
  leaseLost: number;
}

export async function retryPendingPayments(
  deps: { orders: OrderRepository; payments: PaymentGateway },
  options: SweepOptions,
): Promise<SweepReport> {
  const report: SweepReport = { tried: 0, paid: 0, stillPending: 0, rejected: 0, leaseLost: 0 };
  let left = options.batchSize;
  const worker = async () => {
    while (left > 0) {
      left -= 1;
      const [claimed] = await deps.orders.claimDuePayments(1, options.leaseMs);
      if (!claimed) {
        left = 0;
        return;
      }
      report.tried += 1;
      const settled = await settlePayment(claimed.order, claimed.lease, deps);
      if (!settled.recorded) report.leaseLost += 1;
      else if (settled.payment.kind === 'confirmed') report.paid += 1;
      else if (settled.payment.kind === 'unavailable') report.stillPending += 1;
      else report.rejected += 1;
    }
  };
  // Every worker runs to its end before a failure is reported, so no order is
  // still being tried after the sweep has answered.
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return report;
}
