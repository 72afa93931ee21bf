import type { Knex, Migration } from '@orderflow/service-kit';

// Amounts carry their currency's minor units (0 for JPY, 3 for KWD, 4 for CLF),
// no longer always two. The columns become NUMERIC without a fixed scale: that
// keeps every digit written (a KWD "1.234" stays "1.234", an existing "49.90"
// reads back as "49.90", not "49.9000"), so rows stay exact and the previous
// release, still running during a rolling update, reads what it always read.
// Dropping the typmod rewrites nothing (binary-compatible in PostgreSQL), and ALTER
// TABLE fires no row triggers, so the append-only audit trail stays as it was. The
// checks keep what the old type guaranteed, widened: at most 4 fraction digits
// (the most of any currency) and below 10^15 (packages/contracts money.ts).
// Expand only: nothing the previous release writes is refused.
const MONEY_COLUMNS: [table: string, column: string][] = [['payments', 'amount']];

export const moneyPerCurrency: Migration = {
  name: '003-money-per-currency',
  async up(knex: Knex) {
    for (const [table, column] of MONEY_COLUMNS) {
      await knex.raw(`
        alter table ${table} alter column ${column} type numeric;
        alter table ${table} add constraint ${table}_${column}_precision
          check (scale(${column}) <= 4 and ${column} < 1e15) not valid;
        alter table ${table} validate constraint ${table}_${column}_precision;
      `);
    }
  },
  async down(knex: Knex) {
    for (const [table, column] of MONEY_COLUMNS) {
      await knex.raw(`
        alter table ${table} drop constraint ${table}_${column}_precision;
        alter table ${table} alter column ${column} type numeric(14,2);
      `);
    }
  },
};
