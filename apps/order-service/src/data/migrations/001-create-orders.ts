import type { Knex, Migration } from '@orderflow/service-kit';

export const createOrders: Migration = {
  name: '001-create-orders',
  async up(knex: Knex) {
    await knex.raw(`
      create table orders (
        id                      bigint generated always as identity primary key,
        reference               varchar(64)   not null unique,
        customer_id             varchar(64)   not null,
        customer_first_name     varchar(100)  not null,
        customer_last_name      varchar(100)  not null,
        customer_email          varchar(254)  not null,
        currency                char(3)       not null,
        payment_method          varchar(20)   not null,
        amount                  numeric(14,2) not null check (amount > 0),
        status                  varchar(20)   not null
                                  check (status in ('PAYMENT_PENDING', 'PAID', 'PAYMENT_REJECTED')),
        payment_id              varchar(64),
        payment_attempts        integer       not null default 0,
        last_payment_error      text,
        next_payment_attempt_at timestamptz,
        created_at              timestamptz   not null default now(),
        updated_at              timestamptz   not null default now(),
        check (status <> 'PAID' or payment_id is not null)
      );
      -- "newest first" pages, per customer and overall, walk these indexes.
      create index orders_customer_newest on orders (customer_id, created_at desc, id desc);
      create index orders_newest on orders (created_at desc, id desc);
      -- The pending-payment sweep only ever looks at pending orders.
      create index orders_payment_due on orders (next_payment_attempt_at) where status = 'PAYMENT_PENDING';

      create table order_lines (
        order_id    bigint        not null references orders (id) on delete cascade,
        line_number smallint      not null,
        product_id  varchar(64)   not null,
        name        varchar(200)  not null,
        quantity    integer       not null check (quantity > 0),
        unit_price  numeric(14,2) not null check (unit_price > 0),
        line_total  numeric(14,2) not null,
        primary key (order_id, line_number)
      );
    `);
  },
  async down(knex: Knex) {
    await knex.raw('drop table order_lines; drop table orders;');
  },
};
