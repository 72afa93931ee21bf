import type { Knex, Migration } from '@orderflow/service-kit';

// Pages of orders are now walked by id (newest first = highest id first), so
// the cursor is a plain id that any client can send back and no
// well-formed cursor is ever refused.
export const orderPagesById: Migration = {
  name: '003-order-pages-by-id',
  async up(knex: Knex) {
    await knex.raw(`
      drop index orders_customer_newest;
      drop index orders_newest;
      create index orders_customer_newest on orders (customer_id, id desc);
    `);
  },
  async down(knex: Knex) {
    await knex.raw(`
      drop index orders_customer_newest;
      create index orders_customer_newest on orders (customer_id, created_at desc, id desc);
      create index orders_newest on orders (created_at desc, id desc);
    `);
  },
};
