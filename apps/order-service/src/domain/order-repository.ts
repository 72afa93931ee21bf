import type { Order, OrderStatus } from './order';
import type { OrderOutcome } from './order-outcome';

export interface OrderPage {
  orders: Order[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** A page of one customer's orders (nobody lists everyone's). */
export interface OrderQuery {
  customerId: string;
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
  /** What that request came to; absent until it has answered (or if it died first). */
  outcome?: OrderOutcome | undefined;
  /** That request took the key less than the first lease ago: it may still be running. */
  mayStillBeRunning: boolean;
}

/**
 * The right to record an order's payment outcome, given to one attempt at a
 * time: the request that placed the order holds the first, each sweep's claim
 * the next. A record made with an older lease than the order's changes nothing.
 */
export type PaymentLease = number;

export interface ClaimedOrder {
  order: Order;
  lease: PaymentLease;
}

export interface PaymentOutcomeRecord {
  status: OrderStatus;
  paymentId?: string;
  error?: string;
  /** For a pending order: how long until the retry sweep may try again. */
  retryInMs?: number;
}

/** What recording a payment outcome changed on the order. */
export interface PaymentState {
  status: OrderStatus;
  paymentId: string | null;
  paymentAttempts: number;
  paymentError: string | null;
}

/** Persistence as the domain needs it; implemented with Knex in src/data. */
export interface OrderRepository {
  /**
   * Saves a new order with its lines, holding its first payment lease for
   * `leaseMs`: the sweep leaves it to the placing request meanwhile and
   * charges it after (so an order whose request died is never stranded). With
   * an idempotency claim, the key is recorded in the same transaction, and if
   * the key is already taken (and not expired) nothing is saved and the earlier
   * request's record is returned.
   */
  insert(
    order: Order,
    options: { leaseMs: number; idempotency?: IdempotencyClaim | undefined },
  ): Promise<{ inserted: true; lease: PaymentLease } | { inserted: false; earlier: RecordedIdempotencyKey }>;
  /** Keeps what the request holding an Idempotency-Key came to, for its repeats. */
  rememberOutcome(idempotencyKey: string, outcome: OrderOutcome): Promise<void>;
  /** The order, or undefined; with `customerId`, only if it is that customer's. */
  findByReference(reference: string, scope?: { customerId?: string | undefined }): Promise<Order | undefined>;
  list(query: OrderQuery): Promise<OrderPage>;
  /**
   * Records what asking for payment came to, if the order is still pending and
   * `lease` is still its current lease (then: the new state; else undefined and
   * nothing changed). PAID and PAYMENT_REJECTED never change again.
   */
  recordPaymentOutcome(reference: string, lease: PaymentLease, outcome: PaymentOutcomeRecord): Promise<PaymentState | undefined>;
  /**
   * Takes up to `limit` pending orders whose next attempt is due, each with a
   * new lease of `leaseMs`: other sweeps skip them until it runs out.
   */
  claimDuePayments(limit: number, leaseMs: number): Promise<ClaimedOrder[]>;
  /** Orders waiting for payment, counted through the partial index of pending orders only (cheap enough for every scrape). */
  countPendingPayments(): Promise<number>;
  purgeExpiredIdempotencyKeys(limit: number): Promise<number>;
}
