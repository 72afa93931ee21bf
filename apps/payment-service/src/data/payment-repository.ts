import { randomUUID } from 'node:crypto';
import type { Knex } from '@orderflow/service-kit';
import { storableMoney, storedMoney, type CloudEvent, type CurrencyCode, type PaymentMethod } from '@orderflow/contracts';
import type { OutboxEvent, Payment } from '../domain/payment';
import type { Outbox, OutboxClaim, PaymentRepository, PublishReport } from '../domain/payment-repository';

interface PaymentRow {
  id: string;
  order_reference: string;
  amount: string;
  currency: string;
  payment_method: PaymentMethod;
  status: 'CONFIRMED';
  customer_id: string;
  customer_first_name: string;
  customer_last_name: string;
  customer_email: string;
  created_at: Date;
}

interface OutboxRow {
  id: string;
  topic: string;
  partition_key: string;
  cloud_event: CloudEvent<unknown>;
  traceparent: string | null;
}

function toRow(payment: Payment): PaymentRow {
  return {
    id: payment.id,
    order_reference: payment.orderReference,
    // "1000.00" JPY, not "1000": the previous release compares the column as a string (storableMoney).
    amount: storableMoney(payment.amount, payment.currency),
    currency: payment.currency,
    payment_method: payment.paymentMethod,
    status: payment.status,
    customer_id: payment.customer.id,
    customer_first_name: payment.customer.firstName,
    customer_last_name: payment.customer.lastName,
    customer_email: payment.customer.email,
    created_at: payment.createdAt,
  };
}

function fromRow(row: PaymentRow): Payment {
  const currency = row.currency.trim() as CurrencyCode;
  return {
    id: row.id,
    orderReference: row.order_reference,
    amount: storedMoney(row.amount, currency),
    currency,
    paymentMethod: row.payment_method,
    status: row.status,
    customer: {
      id: row.customer_id,
      firstName: row.customer_first_name,
      lastName: row.customer_last_name,
      email: row.customer_email,
    },
    createdAt: row.created_at,
  };
}

export class KnexPaymentRepository implements PaymentRepository, Outbox {
  constructor(private readonly db: Knex) {}

  async recordOnce(payment: Payment, event: OutboxEvent): Promise<{ payment: Payment; created: boolean }> {
    // One statement, so one round trip and one commit: the payment and its event
    // go in together or not at all. ON CONFLICT instead of check-then-insert: two
    // concurrent retries of one request cannot both insert; the loser waits for
    // the winner, inserts nothing (no event either) and reads the winner's row.
    const row = toRow(payment);
    const columns = Object.keys(row);
    const inserted = await this.db.raw<{ rows: PaymentRow[] }>(
      `with inserted as (
         insert into payments (${columns.join(', ')})
         values (${columns.map(() => '?').join(', ')})
         on conflict (order_reference) do nothing
         returning *
       ), event as (
         insert into outbox_events (event_id, topic, partition_key, cloud_event, traceparent)
         select ?, ?, ?, ?::jsonb, ? from inserted
       )
       select * from inserted`,
      [
        ...columns.map((column) => row[column as keyof PaymentRow]),
        event.cloudEvent.id,
        event.topic,
        event.partitionKey,
        JSON.stringify(event.cloudEvent),
        event.traceparent ?? null,
      ],
    );
    const created = inserted.rows[0];
    if (created) return { payment: fromRow(created), created: true };
    const existing: PaymentRow = await this.db('payments').where({ order_reference: payment.orderReference }).first();
    return { payment: fromRow(existing), created: false };
  }

  async findById(id: string): Promise<Payment | undefined> {
    const row: PaymentRow | undefined = await this.db('payments').where({ id }).first();
    return row && fromRow(row);
  }

  async findByOrderReference(orderReference: string): Promise<Payment[]> {
    const rows: PaymentRow[] = await this.db('payments').where({ order_reference: orderReference }).orderBy('created_at');
    return rows.map(fromRow);
  }

  async claim(limit: number, leaseMs: number): Promise<OutboxClaim | undefined> {
    const token = randomUUID();
    // One statement, committed at once: no lock outlives it. SKIP LOCKED lets
    // relays claiming at the same instant take different rows; the lease keeps
    // every other relay off these rows after the commit, while they are published.
    const { rows } = await this.db.raw<{ rows: OutboxRow[] }>(
      `update outbox_events
          set claimed_until = now() + ? * interval '1 millisecond', claim_token = ?
        where id in (
          select id from outbox_events
           where published_at is null and (claimed_until is null or claimed_until < now())
           order by id
           limit ?
           for update skip locked)
        returning id, topic, partition_key, cloud_event, traceparent`,
      [leaseMs, token, limit],
    );
    if (rows.length === 0) return undefined;
    // RETURNING keeps no order; the relay publishes each key's events oldest first.
    const events = rows
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
      .map((row) => ({
        id: row.id,
        topic: row.topic,
        partitionKey: row.partition_key,
        cloudEvent: row.cloud_event,
        traceparent: row.traceparent ?? undefined,
      }));
    return { token, events };
  }

  async recordOutcome(claim: OutboxClaim, report: PublishReport): Promise<void> {
    const published = new Set(report.publishedIds);
    const notStarted = new Set(report.notStartedIds ?? []);
    const failed = claim.events.map((event) => event.id).filter((id) => !published.has(id) && !notStarted.has(id));
    await this.db.transaction(async (trx) => {
      if (published.size > 0) {
        // Whoever holds the row now: the event went out, and a later claim need not send it again.
        // A relay recording late, after another took the row over and published it too, changes
        // nothing: published_at is set once, by whichever records first.
        await trx('outbox_events')
          .whereIn('id', [...published])
          .whereNull('published_at')
          .update({ published_at: trx.fn.now(), last_error: null, claimed_until: null, claim_token: null });
      }
      // What was not published goes back at once, not when the lease runs out, and only
      // while still this claim's: a claim that ran out must neither count against nor
      // release another relay's. By id, so that no round scans the unpublished backlog.
      if (failed.length > 0) {
        await trx('outbox_events')
          .whereIn('id', failed)
          .where({ claim_token: claim.token })
          .whereNull('published_at')
          .update({ attempts: trx.raw('attempts + 1'), last_error: report.error ?? 'not published', claimed_until: null, claim_token: null });
      }
      if (notStarted.size > 0) {
        await trx('outbox_events')
          .whereIn('id', [...notStarted])
          .where({ claim_token: claim.token })
          .whereNull('published_at')
          .update({ claimed_until: null, claim_token: null });
      }
    });
  }

  async lag(): Promise<{ unpublished: number; oldestAgeSeconds: number }> {
    const { rows } = await this.db.raw<{ rows: { unpublished: string; oldest_age: string | null }[] }>(
      `select count(*) as unpublished, extract(epoch from now() - min(created_at)) as oldest_age
         from outbox_events where published_at is null`,
    );
    return { unpublished: Number(rows[0]?.unpublished ?? 0), oldestAgeSeconds: Number(rows[0]?.oldest_age ?? 0) };
  }
}
