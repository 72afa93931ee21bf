export const NOTIFICATION_STATUSES = ['PENDING', 'SENDING', 'SENT', 'FAILED', 'UNDELIVERABLE', 'REJECTED'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

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
  createdAt: Date;
  sentAt: Date | null;
}

export interface Email {
  to: string;
  subject: string;
  html: string;
}
