import type { Knex, Migration } from '@orderflow/service-kit';

// The e-mail is no longer sent while the sidecar waits on a delivery: the
// subscriber records the notification and acknowledges, and a dispatcher sends
// from this table (domain/dispatch-emails.ts). What that needs per row:
// - payload: the payment.confirmed data the e-mail is written from;
// - next_attempt_at: when the row is due (a new row at once; a failed one after
//   its backoff);
// - lease_token, lease_expires_at, claimed_by, claim_incarnation: who holds the
//   right to send, until when, and a fencing token that grows with every claim
//   so a holder that lost its lease can no longer record an outcome;
// - failure_class: what the last failure concerned (recipient, auth, tls, ...).
// Rows of the old design that failed are due again at once; those recorded
// without a payload (before this migration) are completed by a redelivery or
// replay of their event, which fills the payload in.
export const dispatchFromTable: Migration = {
  name: '003-dispatch-from-table',
  async up(knex: Knex) {
    await knex.raw(`
      alter table notifications
        add column next_attempt_at   timestamptz,
        add column lease_token       bigint      not null default 0,
        add column lease_expires_at  timestamptz,
        add column claimed_by        varchar(200),
        add column claim_incarnation uuid,
        add column trace_parent      varchar(64),
        add column failure_class     varchar(20),
        add column lease_expiry_seen_at timestamptz;
      -- Expand only: claimed_at stays (the previous release still writes it
      -- during a rolling update), and rows it holds SENDING stay so, for it to
      -- mark; a row it leaves behind is taken over once its claim is old.
      update notifications set next_attempt_at = now() where status in ('PENDING', 'FAILED');
      create index notifications_due on notifications (next_attempt_at)
        where status in ('PENDING', 'FAILED') and payload is not null;
      create index notifications_leased on notifications (lease_expires_at) where status = 'SENDING';
      -- Rows still owed an e-mail: few in normal operation, the only ones the
      -- take-over claim and the oldest-unsent gauge look at.
      create index notifications_unsent on notifications (created_at) where status in ('PENDING', 'FAILED', 'SENDING');
    `);
  },
  async down(knex: Knex) {
    await knex.raw(`
      drop index notifications_due;
      drop index notifications_unsent;
      drop index notifications_leased;
      alter table notifications
        drop column next_attempt_at, drop column lease_token, drop column lease_expires_at,
        drop column claimed_by, drop column claim_incarnation, drop column trace_parent, drop column failure_class,
        drop column lease_expiry_seen_at;
    `);
  },
};
