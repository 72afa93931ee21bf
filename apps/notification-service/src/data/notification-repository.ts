import type { Knex } from '@orderflow/service-kit';
import type { Notification, NotificationStatus } from '../domain/notification';
import type { Claim, NewNotification, NotificationRepository } from '../domain/notification-repository';

interface NotificationRow {
  id: string;
  event_id: string;
  payment_id: string | null;
  order_reference: string | null;
  recipient: string | null;
  subject: string | null;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

const MAX_ERROR_LENGTH = 2_000;

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and an event that can never be
 * processed may contain anything: NULs become U+FFFD before it is recorded, in
 * keys and values alike, so recording it cannot fail.
 */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

export function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storableText(key), storableJson(inner)]));
  }
  return value;
}

export class KnexNotificationRepository implements NotificationRepository {
  constructor(private readonly db: Knex) {}

  async recordAndClaim(notification: NewNotification, staleAfterMs: number): Promise<Claim> {
    // The usual case, a first delivery, takes one statement: the row is born claimed.
    // No conflict target: a clash on either unique key (event id, payment id) means "already recorded".
    const inserted = await this.db.raw<{ rows: unknown[] }>(
      `insert into notifications (event_id, payment_id, order_reference, recipient, subject, status, attempts, claimed_at)
       values (?, ?, ?, ?, ?, 'SENDING', 1, now())
       on conflict do nothing
       returning id`,
      [notification.eventId, notification.paymentId, notification.orderReference, notification.recipient, notification.subject],
    );
    if (inserted.rows.length > 0) return { claimed: true };

    const claimed = await this.db.raw<{ rows: unknown[] }>(
      `update notifications
          set status = 'SENDING', attempts = attempts + 1, claimed_at = now(), updated_at = now()
        where payment_id = ?
          and (status in ('PENDING', 'FAILED')
               or (status = 'SENDING' and claimed_at < now() - make_interval(secs => ?)))
       returning id`,
      [notification.paymentId, staleAfterMs / 1000],
    );
    if (claimed.rows.length > 0) return { claimed: true };
    const row: Pick<NotificationRow, 'status'> | undefined = await this.db('notifications')
      .select('status')
      .where({ payment_id: notification.paymentId })
      .first();
    return { claimed: false, status: row?.status ?? 'PENDING' };
  }

  async markSent(paymentId: string): Promise<void> {
    await this.db('notifications')
      .where({ payment_id: paymentId, status: 'SENDING' })
      .update({ status: 'SENT', sent_at: this.db.fn.now(), last_error: null, updated_at: this.db.fn.now() });
  }

  async markFailed(paymentId: string, error: string): Promise<void> {
    await this.db('notifications')
      .where({ payment_id: paymentId, status: 'SENDING' })
      .update({ status: 'FAILED', last_error: error.slice(0, MAX_ERROR_LENGTH), updated_at: this.db.fn.now() });
  }

  async markUndeliverable(paymentId: string, error: string): Promise<void> {
    await this.db('notifications')
      .where({ payment_id: paymentId, status: 'SENDING' })
      .update({ status: 'UNDELIVERABLE', last_error: error.slice(0, MAX_ERROR_LENGTH), updated_at: this.db.fn.now() });
  }

  async recordRejected(rejected: { eventId: string; orderReference: string | null; reason: string; payload: unknown }): Promise<void> {
    await this.db.raw(
      `insert into notifications (event_id, order_reference, status, attempts, last_error, payload)
       values (?, ?, 'REJECTED', 1, ?, ?::jsonb)
       on conflict (event_id) do update set attempts = notifications.attempts + 1, updated_at = now()
         where notifications.status = 'REJECTED'`,
      [
        storableText(rejected.eventId),
        rejected.orderReference === null ? null : storableText(rejected.orderReference),
        storableText(rejected.reason.slice(0, MAX_ERROR_LENGTH)),
        JSON.stringify(storableJson(rejected.payload ?? null)),
      ],
    );
  }

  async countByStatus(): Promise<Partial<Record<NotificationStatus, number>>> {
    const rows: { status: NotificationStatus; count: string }[] = await this.db('notifications')
      .select('status')
      .count('* as count')
      .groupBy('status');
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async listByOrderReference(orderReference: string): Promise<Notification[]> {
    const rows: NotificationRow[] = await this.db('notifications')
      .select('id', 'event_id', 'payment_id', 'order_reference', 'recipient', 'subject', 'status', 'attempts', 'last_error', 'created_at', 'sent_at')
      .where({ order_reference: orderReference })
      .orderBy([{ column: 'created_at' }, { column: 'id' }]);
    return rows.map((row) => ({
      id: String(row.id),
      eventId: row.event_id,
      paymentId: row.payment_id,
      orderReference: row.order_reference,
      recipient: row.recipient,
      subject: row.subject,
      status: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
      createdAt: row.created_at,
      sentAt: row.sent_at,
    }));
  }
}
