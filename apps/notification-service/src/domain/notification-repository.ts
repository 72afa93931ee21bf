import type { PaymentConfirmed } from '@orderflow/contracts';
import type { FailureClass, Notification, NotificationStatus } from './notification';

export interface NewNotification {
  eventId: string;
  paymentId: string;
  orderReference: string;
  recipient: string;
  subject: string;
  /** What the e-mail is written from when it is sent. */
  payment: PaymentConfirmed;
  traceParent?: string | undefined;
}

/** A notification a dispatcher holds the lease of: it alone may send it and record the outcome. */
export interface ClaimedNotification {
  id: string;
  /** The fencing token of this claim: every outcome is recorded only while it is still the row's. */
  leaseToken: string;
  attempts: number;
  payment: PaymentConfirmed;
  traceParent: string | null;
  /**
   * The row was taken over from a holder that is gone (its lease ran out, or
   * it was this worker's previous process): whether that holder's send reached
   * the server is unknown.
   */
  takenOver: boolean;
}

/** Who claims: the worker (a pod, or one app port on a machine) and this process's incarnation in it. */
export interface Claimant {
  workerId: string;
  incarnation: string;
}

export interface NotificationRepository {
  /**
   * Records the e-mail owed for a payment, due at once. A redelivered event
   * (same event id) or a re-published payment (same payment id) records
   * nothing new: 'duplicate'.
   */
  record(notification: NewNotification): Promise<'recorded' | 'duplicate'>;
  /**
   * Takes up to `limit` due notifications (new, or failed and past their
   * backoff) for `leaseMs`; other dispatchers skip them meanwhile.
   */
  claimDue(limit: number, leaseMs: number, claimant: Claimant): Promise<ClaimedNotification[]>;
  /**
   * Takes up to `limit` notifications whose holder is gone: its lease was seen
   * run out at least `confirmAfterMs` ago and is run out still (a renewal
   * clears the sighting), or the holder was an earlier process of this same
   * worker (it died: this process took its place). Notes run-out leases seen
   * for the first time. Never takes a row this process holds.
   */
  claimAbandoned(limit: number, leaseMs: number, claimant: Claimant, options: { confirmAfterMs: number }): Promise<ClaimedNotification[]>;
  /** Extends a lease still held under `leaseToken`; false when it was lost. */
  renewLease(id: string, leaseToken: string, leaseMs: number): Promise<boolean>;
  /** Each records an outcome only while `leaseToken` still holds the row; false otherwise. */
  markSent(id: string, leaseToken: string): Promise<boolean>;
  markFailed(id: string, leaseToken: string, failure: { error: string; failureClass: FailureClass; retryInMs: number }): Promise<boolean>;
  markUndeliverable(id: string, leaseToken: string, failure: { error: string; failureClass: FailureClass }): Promise<boolean>;
  /** An operator's decision: UNDELIVERABLE e-mails (of one order, or all) are due again. Returns how many. */
  rearmUndeliverable(which: { orderReference: string } | { all: true }): Promise<number>;
  /** Records an event we can never process, once per event id. */
  recordRejected(rejected: { eventId: string; orderReference: string | null; reason: string; payload: unknown }): Promise<void>;
  listByOrderReference(orderReference: string): Promise<Notification[]>;
  countByStatus(): Promise<Partial<Record<NotificationStatus, number>>>;
  /** Seconds since the oldest e-mail still owed (PENDING, SENDING or FAILED) was recorded; 0 when none is. */
  oldestUnsentAgeSeconds(): Promise<number>;
}
