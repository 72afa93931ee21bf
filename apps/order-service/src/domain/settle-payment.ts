// Asking payment-service to charge one order and recording what came of it:
// the same step when the order is placed and when the retry sweep tries a
// pending order again. The record is fenced by the lease the attempt holds: an
// answer that arrives after its lease ran out (another attempt may be under
// way) changes nothing, and a paid or rejected order never changes again.
import { paymentRequestFor, paymentRetryDelayMs, type Order } from './order';
import type { OrderRepository, PaymentLease, PaymentOutcomeRecord } from './order-repository';
import type { PaymentGateway, PaymentOutcome } from './payment-gateway';

export interface SettleDeps {
  orders: OrderRepository;
  payments: PaymentGateway;
}

export interface Settlement {
  /** The order as it is now: as this attempt left it, or as the attempt that overtook it did. */
  order: Order;
  payment: PaymentOutcome;
  /** False when the lease had run out or the order was no longer pending: the answer was not recorded. */
  recorded: boolean;
}

export async function settlePayment(
  order: Order,
  lease: PaymentLease,
  deps: SettleDeps,
  context: { traceHeaders?: Record<string, string | undefined> } = {},
): Promise<Settlement> {
  const payment = await deps.payments.requestPayment(paymentRequestFor(order), context);
  const record: PaymentOutcomeRecord =
    payment.kind === 'confirmed'
      ? { status: 'PAID', paymentId: payment.paymentId }
      : payment.kind === 'unavailable'
        ? { status: 'PAYMENT_PENDING', error: payment.reason, retryInMs: paymentRetryDelayMs(order.paymentAttempts + 1) }
        : { status: 'PAYMENT_REJECTED', error: payment.reason };
  const changed = await deps.orders.recordPaymentOutcome(order.reference, lease, record);
  if (changed) return { order: { ...order, ...changed }, payment, recorded: true };
  return { order: (await deps.orders.findByReference(order.reference)) ?? order, payment, recorded: false };
}
