// Each integration test file gets its own PostgreSQL schema inside the
// service's test database: files run in parallel without seeing each other's
// rows, and the schema is dropped afterwards.
import { randomBytes } from 'node:crypto';
import { createDatabase, migrate, type Knex, type Migration } from '@orderflow/service-kit';

// Development defaults of the local cluster (tools/devstack/pieces/postgres.mjs); `npm test` sets these.
const TEST_DATABASE_URLS = {
  'order-service': process.env.ORDER_TEST_DATABASE_URL ?? 'postgres://orders_service:orders-dev-password@127.0.0.1:5432/orderflow_orders_test',
  'payment-service':
    process.env.PAYMENT_TEST_DATABASE_URL ?? 'postgres://payments_service:payments-dev-password@127.0.0.1:5432/orderflow_payments_test',
  'notification-service':
    process.env.NOTIFICATION_TEST_DATABASE_URL ??
    'postgres://notifications_service:notifications-dev-password@127.0.0.1:5432/orderflow_notifications_test',
};

export interface TestDatabase {
  db: Knex;
  schema: string;
  /** The connection string that reaches this schema (its search_path). */
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(
  service: keyof typeof TEST_DATABASE_URLS,
  migrations: readonly Migration[],
): Promise<TestDatabase> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URLS[service]);
  // libpq's `options` sets the search_path for every pooled connection.
  url.searchParams.set('options', `-c search_path=${schema}`);
  const admin = createDatabase(TEST_DATABASE_URLS[service], 1);
  await admin.raw(`create schema ${schema}`);
  await admin.destroy();

  const db = createDatabase(url.toString(), 5);
  await migrate(db, migrations);
  return {
    db,
    schema,
    url: url.toString(),
    async drop() {
      await db.raw(`drop schema ${schema} cascade`);
      await db.destroy();
    },
  };
}
