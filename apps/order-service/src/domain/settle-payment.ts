// Asking payment-service to charge one order and recording what came of it:
// the same step when the order is placed and when the retry sweep tries a
// pending order again.
import { paymentRequestFor, paymentRetryDelayMs, type Order } from './order';
import type { OrderRepository } from './order-repository';
import type { PaymentGateway, PaymentOutcome } from './payment-gateway';

export interface SettleDeps {
  orders: OrderRepository;
  payments: PaymentGateway;
}

export async function settlePayment(
  order: Order,
  deps: SettleDeps,
  context: { traceHeaders?: Record<string, string | undefined> } = {},
): Promise<{ order: Order; payment: PaymentOutcome }> {
  const payment = await deps.payments.requestPayment(paymentRequestFor(order), context);
  const record =
    payment.kind === 'confirmed'
      ? { status: 'PAID' as const, paymentId: payment.paymentId }
      : payment.kind === 'unavailable'
        ? {
            status: 'PAYMENT_PENDING' as const,
            error: payment.reason,
            nextAttemptAt: new Date(Date.now() + paymentRetryDelayMs(order.paymentAttempts + 1)),
          }
        : { status: 'PAYMENT_REJECTED' as const, error: payment.reason };
  const changed = await deps.orders.recordPaymentOutcome(order.reference, record);
  if (changed) return { order: { ...order, ...changed }, payment };
  // Nothing changed: the order was PAID already (a concurrent attempt got there first).
  return { order: (await deps.orders.findByReference(order.reference)) ?? order, payment };
}
