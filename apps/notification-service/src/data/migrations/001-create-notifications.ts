import type { Knex, Migration } from '@orderflow/service-kit';

export const createNotifications: Migration = {
  name: '001-create-notifications',
  async up(knex: Knex) {
    await knex.raw(`
      create table notifications (
        id              bigint generated always as identity primary key,
        -- Both unique: a redelivered event (same CloudEvent id) and a re-published
        -- payment (same payment id) each find the row that already exists.
        event_id        varchar(200) not null unique,
        payment_id      varchar(64)  unique,
        order_reference varchar(64),
        recipient       varchar(254),
        subject         varchar(300),
        status          varchar(20)  not null
                          check (status in ('PENDING', 'SENDING', 'SENT', 'FAILED', 'REJECTED')),
        attempts        integer      not null default 0,
        last_error      text,
        -- Kept for events we could not process, so an operator can see what arrived.
        payload         jsonb,
        claimed_at      timestamptz,
        sent_at         timestamptz,
        created_at      timestamptz  not null default now(),
        updated_at      timestamptz  not null default now(),
        check (status = 'REJECTED' or payment_id is not null)
      );
      create index notifications_by_order on notifications (order_reference, created_at);
    `);
  },
  async down(knex: Knex) {
    await knex.raw('drop table notifications;');
  },
};
