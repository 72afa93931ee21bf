// The migration command of each service (`node dist/migrate.js`), as the
// chart's migration Job runs it: with DATABASE_URL and LOG_LEVEL in its
// environment and nothing else (no issuer, no tokens, no Dapr). Runs the
// built output, as the image does.
import { runBuiltCommand } from './built-command';
import { createTestDatabase } from '../../../test-support/test-database';
import { migrations as orderMigrations } from '../../../apps/order-service/src/data/migrations';
import { migrations as paymentMigrations } from '../../../apps/payment-service/src/data/migrations';
import { migrations as notificationMigrations } from '../../../apps/notification-service/src/data/migrations';

const SERVICES = [
  ['order-service', orderMigrations],
  ['payment-service', paymentMigrations],
  ['notification-service', notificationMigrations],
] as const;

const migrateCommand = (service: string, env: Record<string, string>) => runBuiltCommand(service, 'migrate', env);

describe('the migration command (the chart\'s migration Job)', () => {
  it.each(SERVICES)('applies every migration of %s with only DATABASE_URL and LOG_LEVEL set, and exits 0', async (service, migrations) => {
    // An empty schema: the command makes every table itself.
    const database = await createTestDatabase(service, []);
    try {
      const run = migrateCommand(service, { DATABASE_URL: database.url, LOG_LEVEL: 'info', NODE_ENV: 'production' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const applied = await database.db('knex_migrations').orderBy('id').pluck('name');
      expect(applied).toEqual(migrations.map((migration) => migration.name));
    } finally {
      await database.drop();
    }
  });

  it.each(SERVICES.map(([service]) => service))('refuses to run %s\'s without DATABASE_URL, naming it, and exits non-zero', (service) => {
    const run = migrateCommand(service, { LOG_LEVEL: 'info' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('DATABASE_URL: must be set');
  });
});
