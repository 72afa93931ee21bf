import type { Knex, Migration } from '@orderflow/service-kit';

// UNDELIVERABLE: the SMTP server refused the e-mail for good (a 5xx reply);
// unlike FAILED it is not retried.
export const undeliverableStatus: Migration = {
  name: '002-undeliverable-status',
  async up(knex: Knex) {
    await knex.raw(`
      alter table notifications drop constraint notifications_status_check;
      alter table notifications add constraint notifications_status_check
        check (status in ('PENDING', 'SENDING', 'SENT', 'FAILED', 'UNDELIVERABLE', 'REJECTED'));
    `);
  },
  async down(knex: Knex) {
    await knex.raw(`
      alter table notifications drop constraint notifications_status_check;
      alter table notifications add constraint notifications_status_check
        check (status in ('PENDING', 'SENDING', 'SENT', 'FAILED', 'REJECTED'));
    `);
  },
};
