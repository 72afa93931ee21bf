// Placing an order: save it first (an order is never lost because payment is
// down), then hand its PaymentRequest to payment-service. If payment cannot
// answer now, the order stays PAYMENT_PENDING, the customer is told so at
// once instead of waiting on a frozen call, and the retry sweep
// (retry-pending-payments.ts) charges it later.
import { createOrder, type Order, type OrderInput } from './order';
import type { OrderRepository, RecordedIdempotencyKey } from './order-repository';
import type { PaymentGateway } from './payment-gateway';
import { settlePayment } from './settle-payment';

export type PlaceOrderResult =
  | { outcome: 'paid'; order: Order }
  | { outcome: 'payment_pending'; order: Order; message: string }
  | { outcome: 'payment_rejected'; order: Order; reason: string }
  /** The Idempotency-Key was used before: nothing new was created. */
  | { outcome: 'repeated'; earlier: RecordedIdempotencyKey };

export const PAYMENT_PENDING_MESSAGE =
  'Your order is saved. Payment is taking longer than usual; we will complete it automatically and e-mail you the confirmation.';

export interface PlaceOrderDeps {
  orders: OrderRepository;
  payments: PaymentGateway;
}

export interface PlaceOrderOptions {
  traceHeaders?: Record<string, string | undefined>;
  idempotency?: { key: string; requestHash: string; ttlMs: number } | undefined;
}

export async function placeOrder(input: OrderInput, deps: PlaceOrderDeps, options: PlaceOrderOptions = {}): Promise<PlaceOrderResult> {
  const order = createOrder(input);
  const idempotency = options.idempotency && {
    key: options.idempotency.key,
    requestHash: options.idempotency.requestHash,
    expiresAt: new Date(order.createdAt.getTime() + options.idempotency.ttlMs),
  };
  const saved = await deps.orders.insert(order, idempotency);
  if (!saved.inserted) return { outcome: 'repeated', earlier: saved.earlier };

  const settled = await settlePayment(order, deps, { traceHeaders: options.traceHeaders });
  switch (settled.payment.kind) {
    case 'confirmed':
      return { outcome: 'paid', order: settled.order };
    case 'unavailable':
      return { outcome: 'payment_pending', order: settled.order, message: PAYMENT_PENDING_MESSAGE };
    case 'rejected':
      return { outcome: 'payment_rejected', order: settled.order, reason: settled.payment.reason };
  }
}
