import type { Order, OrderStatus } from './order';

export interface OrderPage {
  orders: Order[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface OrderQuery {
  customerId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** An Idempotency-Key to record with a new order. */
export interface IdempotencyClaim {
  key: string;
  requestHash: string;
  expiresAt: Date;
}

/** What an earlier request with the same Idempotency-Key left. */
export interface RecordedIdempotencyKey {
  requestHash: string;
  orderReference: string;
  /** The answer it got; absent while that request is still being processed. */
  response?: { status: number; body: unknown } | undefined;
}

export interface PaymentOutcomeRecord {
  status: OrderStatus;
  paymentId?: string;
  error?: string;
  /** For a pending order: when the retry sweep may try again. */
  nextAttemptAt?: Date;
}

/** What recording a payment outcome changed on the order. */
export interface PaymentState {
  status: OrderStatus;
  paymentId: string | null;
  paymentAttempts: number;
}

/** Persistence as the domain needs it; implemented with Knex in src/data. */
export interface OrderRepository {
  /**
   * Saves a new order with its lines. With an idempotency claim, the key is
   * recorded in the same transaction, and if the key is already taken (and not
   * expired) nothing is saved and the earlier request's record is returned.
   */
  insert(
    order: Order,
    idempotency?: IdempotencyClaim,
  ): Promise<{ inserted: true } | { inserted: false; earlier: RecordedIdempotencyKey }>;
  rememberResponse(idempotencyKey: string, response: { status: number; body: unknown }): Promise<void>;
  findByReference(reference: string): Promise<Order | undefined>;
  list(query: OrderQuery): Promise<OrderPage>;
  /** Records what asking for payment came to; a PAID order never changes again (then: undefined). */
  recordPaymentOutcome(reference: string, outcome: PaymentOutcomeRecord): Promise<PaymentState | undefined>;
  /**
   * Takes pending orders whose next attempt is due, for `leaseMs`: other
   * replicas' sweeps skip them meanwhile (row locks, SKIP LOCKED).
   */
  claimDuePayments(limit: number, leaseMs: number): Promise<Order[]>;
  countPendingPayments(): Promise<number>;
  countByStatus(): Promise<Partial<Record<OrderStatus, number>>>;
  purgeExpiredIdempotencyKeys(limit: number): Promise<number>;
}
