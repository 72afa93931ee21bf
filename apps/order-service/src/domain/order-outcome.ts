// What placing an order came to, as the customer is told it. The answer follows
// from the order's state, so the request that placed it, a repeat of its
// Idempotency-Key, and a repeat after that request died all tell the same story.
import type { Order } from './order';

export type OrderOutcome =
  | { outcome: 'paid'; order: Order }
  | { outcome: 'payment_pending'; order: Order; message: string }
  | { outcome: 'payment_rejected'; order: Order; reason: string };

export const PAYMENT_PENDING_MESSAGE =
  'Your order is saved. Payment is taking longer than usual; we will complete it automatically and e-mail you the confirmation.';

export function outcomeOf(order: Order): OrderOutcome {
  switch (order.status) {
    case 'PAID':
      return { outcome: 'paid', order };
    case 'PAYMENT_PENDING':
      return { outcome: 'payment_pending', order, message: PAYMENT_PENDING_MESSAGE };
    case 'PAYMENT_REJECTED':
      return { outcome: 'payment_rejected', order, reason: order.paymentError ?? 'no reason recorded' };
  }
}
