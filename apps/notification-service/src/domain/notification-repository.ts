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
  /**
   * Records the notification and takes the right to send its e-mail. A first
   * delivery records it already claimed; a redelivery (same event id or payment
   * id) finds it and may claim it only while the e-mail is unsent and nobody
   * holds it, or holds it for longer than `staleAfterMs` (its holder crashed
   * mid-send). Exactly one caller gets the claim.
   */
  recordAndClaim(notification: NewNotification, staleAfterMs: number): Promise<Claim>;
  markSent(paymentId: string): Promise<void>;
  markFailed(paymentId: string, error: string): Promise<void>;
  /** The SMTP server refused the e-mail for good: it is never tried again. */
  markUndeliverable(paymentId: string, error: string): Promise<void>;
  /** Records an event we can never process, once per event id. */
  recordRejected(rejected: { eventId: string; orderReference: string | null; reason: string; payload: unknown }): Promise<void>;
  listByOrderReference(orderReference: string): Promise<Notification[]>;
  countByStatus(): Promise<Partial<Record<NotificationStatus, number>>>;
}
