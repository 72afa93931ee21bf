// Placing an order: save it first (an order is never lost because payment is
// down), then hand its PaymentRequest to payment-service. If payment cannot
// answer now, the order stays PAYMENT_PENDING, the customer is told so at
// once instead of waiting on a frozen call, and the retry sweep
// (retry-pending-payments.ts) charges it later. The order is saved holding its
// first payment lease, due for the sweep when that runs out: if this process
// dies between saving and recording the outcome, a later sweep charges it.
//
// An Idempotency-Key is taken with the order, in one transaction, with a hash
// of the request, and keeps whatever the request came to (paid, pending or
// rejected), so a repeat gets the same answer; the same key with another
// request is refused. A repeat that finds no answer kept is told to retry while
// the first request may still be running, and the order's real state after.
// The route only turns the result into HTTP (order-routes.ts).
import { createHash } from 'node:crypto';
import { createOrder, type OrderInput } from './order';
import { outcomeOf, type OrderOutcome } from './order-outcome';
import type { OrderRepository, RecordedIdempotencyKey } from './order-repository';
import type { PaymentGateway } from './payment-gateway';
import { settlePayment } from './settle-payment';

export type PlaceOrderResult =
  /** What placing the order came to; `replayed` when an earlier request with the same Idempotency-Key placed it. */
  | (OrderOutcome & { replayed: boolean })
  /** The Idempotency-Key was used before for a different request: nothing was done. */
  | { outcome: 'key_reused' }
  /** The request that took the Idempotency-Key may still be running: nothing was done; ask again shortly. */
  | { outcome: 'in_progress' };

export interface PlaceOrderDeps {
  orders: OrderRepository;
  payments: PaymentGateway;
}

export interface PlaceOrderOptions {
  /** How long the sweep leaves a new order to this request: longer than the worst payment call. */
  graceMs: number;
  traceHeaders?: Record<string, string | undefined> | undefined;
  /** The request's Idempotency-Key, and how long it is remembered. */
  idempotency?: { key: string; ttlMs: number } | undefined;
}

/**
 * The order asked for, as parsed, not the request's bytes: the schema gives the
 * fields one order, so the same order sent with its fields in another order is
 * the same request. Unchanged across releases, or a key taken before one would
 * not match its own repeat after.
 */
export function requestHashOf(input: OrderInput): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

export async function placeOrder(input: OrderInput, deps: PlaceOrderDeps, options: PlaceOrderOptions): Promise<PlaceOrderResult> {
  const order = createOrder(input);
  const idempotency = options.idempotency && {
    key: options.idempotency.key,
    requestHash: requestHashOf(input),
    expiresAt: new Date(order.createdAt.getTime() + options.idempotency.ttlMs),
  };
  const saved = await deps.orders.insert(order, { leaseMs: options.graceMs, idempotency });
  if (!saved.inserted) return answerRepeat(saved.earlier, idempotency?.requestHash, deps.orders);

  const settled = await settlePayment(order, saved.lease, deps, { traceHeaders: options.traceHeaders });
  const outcome = outcomeOf(settled.order);
  if (idempotency) await deps.orders.rememberOutcome(idempotency.key, outcome);
  return { ...outcome, replayed: false };
}

async function answerRepeat(
  earlier: RecordedIdempotencyKey,
  requestHash: string | undefined,
  orders: OrderRepository,
): Promise<PlaceOrderResult> {
  if (earlier.requestHash !== requestHash) return { outcome: 'key_reused' };
  if (earlier.outcome) return { ...earlier.outcome, replayed: true };
  if (earlier.mayStillBeRunning) return { outcome: 'in_progress' };
  // The request that took the key died before it answered. Its order is saved
  // and the sweep settles it; the order's state now is the truthful answer.
  const order = await orders.findByReference(earlier.orderReference);
  if (!order) throw new Error(`order ${earlier.orderReference}, held by an Idempotency-Key, is missing`);
  return { ...outcomeOf(order), replayed: true };
}
