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
  switch (payment.kind) {
    case 'confirmed': {
      const paid = await deps.orders.recordPaymentOutcome(order.reference, { status: 'PAID', paymentId: payment.paymentId });
      // undefined: already PAID (a concurrent attempt got there first): read what is there.
      return { order: paid ?? (await deps.orders.findByReference(order.reference)) ?? order, payment };
    }
    case 'unavailable': {
      const pending = await deps.orders.recordPaymentOutcome(order.reference, {
        status: 'PAYMENT_PENDING',
        error: payment.reason,
        nextAttemptAt: new Date(Date.now() + paymentRetryDelayMs(order.paymentAttempts + 1)),
      });
      return { order: pending ?? order, payment };
    }
    case 'rejected': {
      const rejected = await deps.orders.recordPaymentOutcome(order.reference, { status: 'PAYMENT_REJECTED', error: payment.reason });
      return { order: rejected ?? { ...order, status: 'PAYMENT_REJECTED' }, payment };
    }
  }
}
