// Placing an order: save it first (an order is never lost because payment is
// down), then hand its PaymentRequest to payment-service. If payment cannot
// answer now, the order stays PAYMENT_PENDING and the customer is told so at
// once instead of waiting on a frozen call.
import { createOrder, paymentRequestFor, type Order, type OrderInput } from './order';
import type { OrderRepository } from './order-repository';
import type { PaymentGateway } from './payment-gateway';

export type PlaceOrderResult =
  | { outcome: 'paid'; order: Order }
  | { outcome: 'payment_pending'; order: Order; message: string }
  | { outcome: 'payment_rejected'; order: Order; reason: string };

export const PAYMENT_PENDING_MESSAGE =
  'Your order is saved. Payment is taking longer than usual; we will complete it automatically and e-mail you the confirmation.';

export interface PlaceOrderDeps {
  orders: OrderRepository;
  payments: PaymentGateway;
}

export async function placeOrder(
  input: OrderInput,
  deps: PlaceOrderDeps,
  context: { traceHeaders?: Record<string, string | undefined> } = {},
): Promise<PlaceOrderResult> {
  const order = createOrder(input);
  await deps.orders.insert(order);

  const payment = await deps.payments.requestPayment(paymentRequestFor(order), context);
  switch (payment.kind) {
    case 'confirmed': {
      const paid = await deps.orders.recordPaymentOutcome(order.reference, { status: 'PAID', paymentId: payment.paymentId });
      return { outcome: 'paid', order: paid ?? { ...order, status: 'PAID', paymentId: payment.paymentId } };
    }
    case 'unavailable': {
      await deps.orders.recordPaymentOutcome(order.reference, { status: 'PAYMENT_PENDING', error: payment.reason });
      return { outcome: 'payment_pending', order, message: PAYMENT_PENDING_MESSAGE };
    }
    case 'rejected': {
      const rejected = await deps.orders.recordPaymentOutcome(order.reference, {
        status: 'PAYMENT_REJECTED',
        error: payment.reason,
      });
      return { outcome: 'payment_rejected', order: rejected ?? { ...order, status: 'PAYMENT_REJECTED' }, reason: payment.reason };
    }
  }
}
