import type { Knex, Migration } from '@orderflow/service-kit';

// The relay no longer holds row locks while it publishes: it claims a batch
// (claimed_until: other relays skip the rows until then; claim_token: fences
// the outcome to the claim that published), publishes with no transaction
// open, and records the outcome afterwards (relay-outbox.ts). Expand only: the
// previous release, still relaying during a rolling update, ignores both
// columns; at worst it publishes an event a new relay has claimed as well, with
// the same event id, which consumers dedupe.
export const outboxClaims: Migration = {
  name: '004-outbox-claims',
  async up(knex: Knex) {
    // ALTER TABLE waits for ACCESS EXCLUSIVE behind every open transaction on the
    // table (the previous release's relay holds row locks across a publish of up
    // to 30 s), and every insert (each POST /payments) would queue behind the
    // waiting ALTER. So it gives up soon: the migration Job fails and is retried
    // (backoffLimit), and payments go on meanwhile. `local`: knex runs the
    // pending migrations in a transaction, and the setting ends with it.
    await knex.raw(`set local lock_timeout = '2s'`);
    await knex.raw(`
      alter table outbox_events
        add column claimed_until timestamptz,
        add column claim_token   uuid
    `);
  },
  async down(knex: Knex) {
    await knex.raw('alter table outbox_events drop column claimed_until, drop column claim_token');
  },
};
