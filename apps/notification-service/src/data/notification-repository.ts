import type { Knex } from '@orderflow/service-kit';
import type { PaymentConfirmed } from '@orderflow/contracts';
import type { FailureClass, Notification, NotificationStatus } from '../domain/notification';
import type {
  Claimant,
  ClaimedNotification,
  NewNotification,
  NotificationRepository,
} from '../domain/notification-repository';

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
  failure_class: FailureClass | null;
  next_attempt_at: Date | null;
  created_at: Date;
  sent_at: Date | null;
}

const MAX_ERROR_LENGTH = 2_000;

/**
 * PostgreSQL text and jsonb cannot hold U+0000 or a lone surrogate (jsonb
 * refuses its \ud800 escape), and an event that can never be processed may
 * contain anything: both become U+FFFD before it is recorded, in keys and
 * values alike, so recording it cannot fail (and is not retried forever).
 */
export function storableText(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
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

  async record(notification: NewNotification): Promise<'recorded' | 'duplicate'> {
    // No conflict target: a clash on either unique key (event id, payment id) means "already recorded".
    const inserted = await this.db.raw<{ rows: unknown[] }>(
      `insert into notifications (event_id, payment_id, order_reference, recipient, subject, status, attempts,
                                  payload, trace_parent, next_attempt_at)
       values (?, ?, ?, ?, ?, 'PENDING', 0, ?::jsonb, ?, now())
       on conflict do nothing
       returning id`,
      [
        // A valid event may still carry an id the database cannot hold as given (a NUL).
        storableText(notification.eventId),
        notification.paymentId,
        notification.orderReference,
        notification.recipient,
        notification.subject,
        JSON.stringify(notification.payment),
        notification.traceParent ?? null,
      ],
    );
    if (inserted.rows.length > 0) return 'recorded';
    // A row recorded before e-mails were sent from the table has no payload to write the e-mail from: this delivery brings it.
    await this.db.raw(
      `update notifications set payload = ?::jsonb, next_attempt_at = coalesce(next_attempt_at, now()), updated_at = now()
        where payment_id = ? and payload is null and status in ('PENDING', 'FAILED', 'SENDING')`,
      [JSON.stringify(notification.payment), notification.paymentId],
    );
    return 'duplicate';
  }

  claimDue(limit: number, leaseMs: number, claimant: Claimant): Promise<ClaimedNotification[]> {
    return this.claim(
      `status in ('PENDING', 'FAILED') and next_attempt_at <= now() and payload is not null
       order by next_attempt_at`,
      [],
      limit,
      leaseMs,
      claimant,
    );
  }

  async claimAbandoned(limit: number, leaseMs: number, claimant: Claimant, options: { confirmAfterMs: number }): Promise<ClaimedNotification[]> {
    await this.db.raw(
      `update notifications set lease_expiry_seen_at = now()
        where status = 'SENDING' and lease_expiry_seen_at is null
          and (lease_expires_at < now()
               -- a row of the design before migration 003 (its holder left no lease), claimed long ago
               or (lease_expires_at is null and claimed_at < now() - make_interval(secs => ?)))`,
      [leaseMs / 1000],
    );
    return this.claim(
      `status = 'SENDING' and payload is not null
         and not (claimed_by is not distinct from ? and claim_incarnation is not distinct from ?::uuid)
         and ((lease_expiry_seen_at < now() - make_interval(secs => ?)
               and (lease_expires_at < now() or lease_expires_at is null))
              or (claimed_by = ? and claim_incarnation <> ?::uuid))
       order by lease_expires_at`,
      [claimant.workerId, claimant.incarnation, options.confirmAfterMs / 1000, claimant.workerId, claimant.incarnation],
      limit,
      leaseMs,
      claimant,
    );
  }

  /** One statement: the rows chosen (locked, skipping rows another dispatcher is claiming) get a new lease and token. */
  private async claim(
    condition: string,
    bindings: readonly (string | number)[],
    limit: number,
    leaseMs: number,
    claimant: Claimant,
  ): Promise<ClaimedNotification[]> {
    if (limit <= 0) return [];
    const claimed = await this.db.raw<{
      rows: { id: string; lease_token: string; attempts: number; payload: PaymentConfirmed; trace_parent: string | null; taken_over: boolean }[];
    }>(
      // MATERIALIZED: the rows are chosen once. A subquery the planner scans again
      // would, with SKIP LOCKED, choose further rows and claim more than `limit`.
      `with chosen as materialized (
         select id, status = 'SENDING' as taken_over from notifications
          where ${condition}
          limit ?
          for update skip locked)
       update notifications n
          set status = 'SENDING', lease_token = n.lease_token + 1, attempts = n.attempts + 1,
              lease_expires_at = now() + make_interval(secs => ?), claimed_by = ?, claim_incarnation = ?::uuid,
              lease_expiry_seen_at = null, updated_at = now()
         from chosen
        where n.id = chosen.id
       returning n.id, n.lease_token, n.attempts, n.payload, n.trace_parent, chosen.taken_over`,
      [...bindings, limit, leaseMs / 1000, claimant.workerId, claimant.incarnation],
    );
    return claimed.rows.map((row) => ({
      id: String(row.id),
      leaseToken: String(row.lease_token),
      attempts: row.attempts,
      payment: row.payload,
      traceParent: row.trace_parent,
      takenOver: row.taken_over,
    }));
  }

  async renewLease(id: string, leaseToken: string, leaseMs: number): Promise<boolean> {
    const renewed = await this.db('notifications')
      .where({ id, lease_token: leaseToken, status: 'SENDING' })
      .update({ lease_expires_at: this.db.raw('now() + make_interval(secs => ?)', [leaseMs / 1000]), lease_expiry_seen_at: null });
    return renewed > 0;
  }

  async markSent(id: string, leaseToken: string): Promise<boolean> {
    return this.release(id, leaseToken, { status: 'SENT', sent_at: this.db.fn.now(), last_error: null, failure_class: null });
  }

  async markFailed(id: string, leaseToken: string, failure: { error: string; failureClass: FailureClass; retryInMs: number }): Promise<boolean> {
    return this.release(id, leaseToken, {
      status: 'FAILED',
      last_error: storableText(failure.error.slice(0, MAX_ERROR_LENGTH)),
      failure_class: failure.failureClass,
      next_attempt_at: this.db.raw('now() + make_interval(secs => ?)', [failure.retryInMs / 1000]),
    });
  }

  async markUndeliverable(id: string, leaseToken: string, failure: { error: string; failureClass: FailureClass }): Promise<boolean> {
    return this.release(id, leaseToken, {
      status: 'UNDELIVERABLE',
      last_error: storableText(failure.error.slice(0, MAX_ERROR_LENGTH)),
      failure_class: failure.failureClass,
    });
  }

  /** Records an outcome and gives up the lease, fenced by the claim's token. */
  private async release(id: string, leaseToken: string, changes: Record<string, unknown>): Promise<boolean> {
    const changed = await this.db('notifications')
      .where({ id, lease_token: leaseToken, status: 'SENDING' })
      .update({ ...changes, lease_expires_at: null, lease_expiry_seen_at: null, updated_at: this.db.fn.now() });
    return changed > 0;
  }

  async rearmUndeliverable(which: { orderReference: string } | { all: true }): Promise<number> {
    const query = this.db('notifications').where({ status: 'UNDELIVERABLE' });
    if ('orderReference' in which) query.andWhere({ order_reference: which.orderReference });
    // A fresh start: the first failure after a re-arm waits the shortest backoff.
    return query.update({ status: 'PENDING', attempts: 0, next_attempt_at: this.db.fn.now(), updated_at: this.db.fn.now() });
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

  async oldestUnsentAgeSeconds(): Promise<number> {
    // Walks the partial index of unsent rows (migration 003), not the table.
    const { rows } = await this.db.raw<{ rows: { age: string | null }[] }>(
      `select extract(epoch from now() - min(created_at)) as age from notifications
        where status in ('PENDING', 'FAILED', 'SENDING')`,
    );
    return Math.max(0, Number(rows[0]?.age ?? 0));
  }

  async listByOrderReference(orderReference: string): Promise<Notification[]> {
    const rows: NotificationRow[] = await this.db('notifications')
      .select(
        'id', 'event_id', 'payment_id', 'order_reference', 'recipient', 'subject', 'status', 'attempts',
        'last_error', 'failure_class', 'next_attempt_at', 'created_at', 'sent_at',
      )
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
      failureClass: row.failure_class,
      nextAttemptAt: row.status === 'PENDING' || row.status === 'FAILED' ? row.next_attempt_at : null,
      createdAt: row.created_at,
      sentAt: row.sent_at,
    }));
  }
}
