import type { Knex, Migration } from '@orderflow/service-kit';

export const outboxTraceContext: Migration = {
  name: '002-outbox-trace-context',
  async up(knex: Knex) {
    // The W3C trace context of the request that recorded the payment: the relay
    // publishes with it, so the event (and the e-mail) stay in the order's trace.
    await knex.raw('alter table outbox_events add column traceparent varchar(55)');
  },
  async down(knex: Knex) {
    await knex.raw('alter table outbox_events drop column traceparent');
  },
};
