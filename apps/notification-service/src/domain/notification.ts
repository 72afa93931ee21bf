/**
 * PENDING: recorded, due at its next attempt; SENDING: a dispatcher holds its
 * lease and is sending; SENT; FAILED: the last attempt failed, due again after
 * its backoff; UNDELIVERABLE: the server refused this recipient for good, or
 * the stored payment cannot make an e-mail (failure class `render`; an operator
 * may re-arm it); REJECTED: an event we could never process.
 */
export const NOTIFICATION_STATUSES = ['PENDING', 'SENDING', 'SENT', 'FAILED', 'UNDELIVERABLE', 'REJECTED'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * Whom a failed send concerns. Only `recipient` is permanent (the server
 * refused this address: RCPT 5xx, RFC 3463 5.1.x/5.2.x, or an address that
 * cannot be parsed). The others concern the server or the way to it, for every
 * e-mail alike: they are retried with backoff and counted for alerting.
 * `render` is no send at all: the e-mail could not be made from its stored
 * payment (permanent; nothing was sent).
 */
export const FAILURE_CLASSES = ['recipient', 'auth', 'tls', 'relay', 'server', 'connection', 'sidecar', 'render'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** One e-mail we owe a customer for one payment, and what became of it. */
export interface Notification {
  id: string;
  eventId: string;
  paymentId: string | null;
  orderReference: string | null;
  recipient: string | null;
  subject: string | null;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  failureClass: FailureClass | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface Email {
  to: string;
  subject: string;
  html: string;
}
