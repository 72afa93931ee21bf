import type { OutboxEvent, Payment } from './payment';

export interface PendingOutboxEvent extends OutboxEvent {
  id: string;
}

export interface PaymentRepository {
  /**
   * Records the payment and its event in one transaction, unless a payment for
   * the same order reference exists: then nothing is written and that one is returned.
   */
  recordOnce(payment: Payment, event: OutboxEvent): Promise<{ payment: Payment; created: boolean }>;
  findById(id: string): Promise<Payment | undefined>;
  findByOrderReference(orderReference: string): Promise<Payment[]>;
}

/** Events one relay took to publish; other relays leave them alone until the claim's lease runs out. */
export interface OutboxClaim {
  /** Fences the claim: an outcome recorded under an older claim of a row changes nothing. */
  token: string;
  /** Oldest first. */
  events: PendingOutboxEvent[];
}

export interface PublishReport {
  publishedIds: string[];
  /**
   * Not attempted (the relay stopped, or its lease had too little left for
   * another publish) or cut short by a stop: released without counting an attempt.
   */
  notStartedIds?: string[];
  /** Why the others were not published, when some were not. */
  error?: string;
}

export interface Outbox {
  /**
   * Claims up to `limit` of the oldest unpublished events that no live claim
   * holds, for `leaseMs`: in one short statement, holding no lock afterwards.
   */
  claim(limit: number, leaseMs: number): Promise<OutboxClaim | undefined>;
  /**
   * Marks as published those the report names (even when the claim has run out:
   * they did go out), counts an attempt on those that failed, and releases the
   * rest of this claim (failed or not started) for the next round.
   */
  recordOutcome(claim: OutboxClaim, report: PublishReport): Promise<void>;
  /** How many events wait, and how long the oldest has waited. */
  lag(): Promise<{ unpublished: number; oldestAgeSeconds: number }>;
}
