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

export interface PublishReport {
  publishedIds: string[];
  /** Why the others were not published, when some were not. */
  error?: string;
}

export interface Outbox {
  /**
   * Hands the oldest unpublished events (locked against other relays) to
   * `publish`, and marks as published those it reports.
   */
  relayBatch(limit: number, publish: (events: PendingOutboxEvent[]) => Promise<PublishReport>): Promise<number>;
  /** How many events wait, and how long the oldest has waited. */
  lag(): Promise<{ unpublished: number; oldestAgeSeconds: number }>;
}
