import type { Notification, NotificationStatus } from './notification';

export interface NewNotification {
  eventId: string;
  paymentId: string;
  orderReference: string;
  recipient: string;
  subject: string;
}

export type Claim = { claimed: true } | { claimed: false; status: NotificationStatus };

export interface NotificationRepository {
  /** Records the notification unless one exists for the same event id or payment id (a redelivery). */
  recordOnce(notification: NewNotification): Promise<void>;
  /**
   * Takes the right to send the e-mail for a payment. Exactly one caller gets it
   * while the e-mail is unsent; a claim older than `staleAfterMs` (its holder
   * crashed mid-send) may be taken over.
   */
  claimForSending(paymentId: string, staleAfterMs: number): Promise<Claim>;
  markSent(paymentId: string): Promise<void>;
  markFailed(paymentId: string, error: string): Promise<void>;
  /** The SMTP server refused the e-mail for good: it is never tried again. */
  markUndeliverable(paymentId: string, error: string): Promise<void>;
  /** Records an event we can never process, once per event id. */
  recordRejected(rejected: { eventId: string; orderReference: string | null; reason: string; payload: unknown }): Promise<void>;
  listByOrderReference(orderReference: string): Promise<Notification[]>;
  countByStatus(): Promise<Partial<Record<NotificationStatus, number>>>;
}
