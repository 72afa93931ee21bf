import type { Knex, Migration } from '@orderflow/service-kit';

// Every pending order is due for the retry sweep at some time, and the right to
// record its payment outcome is a lease with a fencing token (lease_version):
// the request that places an order holds the first lease, each sweep's claim
// the next, and an answer recorded under an older lease changes nothing.
// An Idempotency-Key keeps the outcome of its request (paid, pending or
// rejected) instead of an HTTP answer for 2xx only.
export const paymentLeases: Migration = {
  name: '004-payment-leases',
  async up(knex: Knex) {
    await knex.raw(`
      alter table orders add column lease_version bigint not null default 0;

      -- Orders saved before this migration by a request that then died (or whose
      -- outcome could not be written) were never given a next attempt: due now.
      update orders set next_payment_attempt_at = now()
       where status = 'PAYMENT_PENDING' and next_payment_attempt_at is null;

      -- The app always sets it; this default covers a replica of the previous
      -- release still inserting during a rolling update: its orders come due too.
      alter table orders alter column next_payment_attempt_at set default now() + interval '30 seconds';
      -- NOT VALID, then VALIDATE: new rows are checked at once, and the scan of
      -- existing ones does not hold a lock that stops orders being placed.
      alter table orders add constraint orders_pending_is_due
        check (status <> 'PAYMENT_PENDING' or next_payment_attempt_at is not null) not valid;
      alter table orders validate constraint orders_pending_is_due;

      -- response_status and response_body stay for the previous release during a
      -- rolling update; a key whose outcome is null answers its order's state.
      alter table idempotency_keys add column outcome jsonb;
    `);
  },
  async down(knex: Knex) {
    await knex.raw(`
      alter table idempotency_keys drop column outcome;
      alter table orders drop constraint orders_pending_is_due;
      alter table orders alter column next_payment_attempt_at drop default;
      alter table orders drop column lease_version;
    `);
  },
};
