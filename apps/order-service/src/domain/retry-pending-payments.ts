// The retry sweep: orders saved while payment-service was slow or down are
// charged later, automatically, with backoff (see paymentRetryDelayMs). Each
// order is claimed before it is tried, so several replicas sweeping at once
// never try the same order together; and payment-service records at most one
// payment per order reference, so even a lost claim cannot charge twice.
import type { OrderRepository } from './order-repository';
import type { PaymentGateway } from './payment-gateway';
import { settlePayment } from './settle-payment';

export interface SweepOptions {
  batchSize: number;
  /** How long a claimed order is left alone by other sweeps. */
  leaseMs: number;
  /** Orders tried at the same time. */
  concurrency: number;
}

export interface SweepReport {
  tried: number;
  paid: number;
  stillPending: number;
  rejected: number;
}

export async function retryPendingPayments(
  deps: { orders: OrderRepository; payments: PaymentGateway },
  options: SweepOptions,
): Promise<SweepReport> {
  const due = await deps.orders.claimDuePayments(options.batchSize, options.leaseMs);
  const report: SweepReport = { tried: due.length, paid: 0, stillPending: 0, rejected: 0 };
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const order = due[next++]!;
      const { payment } = await settlePayment(order, deps);
      if (payment.kind === 'confirmed') report.paid += 1;
      else if (payment.kind === 'unavailable') report.stillPending += 1;
      else report.rejected += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, due.length) }, worker));
  return report;
}
