import type { Knex, Migration } from '@orderflow/service-kit';

export const createPayments: Migration = {
  name: '001-create-payments',
  async up(knex: Knex) {
    await knex.raw(`
      create table payments (
        id                  uuid          primary key,
        order_reference     varchar(64)   not null unique,
        amount              numeric(14,2) not null check (amount > 0),
        currency            char(3)       not null,
        payment_method      varchar(20)   not null,
        status              varchar(20)   not null check (status in ('CONFIRMED')),
        customer_id         varchar(64)   not null,
        customer_first_name varchar(100)  not null,
        customer_last_name  varchar(100)  not null,
        customer_email      varchar(254)  not null,
        created_at          timestamptz   not null default now()
      );

      -- The financial audit trail is append-only, enforced by the database itself:
      -- whatever the code (or a person with psql) tries, recorded payments stay as they were.
      create function payments_are_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'payments is an append-only audit trail: % is not allowed', tg_op
          using errcode = 'restrict_violation';
      end
      $$;
      create trigger payments_no_update_or_delete before update or delete on payments
        for each row execute function payments_are_append_only();
      create trigger payments_no_truncate before truncate on payments
        for each statement execute function payments_are_append_only();

      -- Transactional outbox: an event row commits with its payment, and the relay
      -- hands it to the sidecar afterwards, however long Kafka is away.
      create table outbox_events (
        id            bigint generated always as identity primary key,
        event_id      uuid         not null unique,
        topic         varchar(200) not null,
        partition_key varchar(200) not null,
        cloud_event   jsonb        not null,
        created_at    timestamptz  not null default now(),
        published_at  timestamptz,
        attempts      integer      not null default 0,
        last_error    text
      );
      create index outbox_events_unpublished on outbox_events (id) where published_at is null;
    `);
  },
  async down(knex: Knex) {
    await knex.raw(`
      drop table outbox_events;
      drop trigger payments_no_truncate on payments;
      drop trigger payments_no_update_or_delete on payments;
      drop table payments;
      drop function payments_are_append_only();
    `);
  },
};
