import type { Knex, Migration } from '@orderflow/service-kit';

export const createIdempotencyKeys: Migration = {
  name: '002-idempotency-keys',
  async up(knex: Knex) {
    await knex.raw(`
      -- One row per Idempotency-Key a client sent with POST /orders. It commits in the
      -- same transaction as the order it created, so a retried request can never
      -- create a second order, even when the first answer was lost.
      create table idempotency_keys (
        key             varchar(200) primary key,
        request_hash    char(64)     not null,
        order_reference varchar(64)  not null references orders (reference),
        response_status smallint,
        response_body   jsonb,
        created_at      timestamptz  not null default now(),
        expires_at      timestamptz  not null
      );
      create index idempotency_keys_expiry on idempotency_keys (expires_at);
    `);
  },
  async down(knex: Knex) {
    await knex.raw('drop table idempotency_keys;');
  },
};
