// Knex set-up shared by the services. Each service owns one database and its
// own migrations; this module knows nothing about their tables.
import knexFactory, { type Knex } from 'knex';
import { z } from 'zod';
import { loadConfig, logLevel, otelServiceName } from './config';
import { createLogger } from './logger';

export type { Knex };

// node-postgres returns NUMERIC (money) as a string, so amounts stay exact from
// the column to the wire; nothing here parses them into numbers.

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** `applicationName` is what pg_stat_activity shows for our connections (OTEL_SERVICE_NAME in the config schema). */
export function createDatabase(connectionString: string, poolMax: number, applicationName?: string): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString, application_name: applicationName },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 5_000,
  });
}

/** Applies pending migrations from an explicit list (no file globbing, so the build output is all we need). */
export async function migrate(db: Knex, migrations: readonly Migration[]): Promise<string[]> {
  const source: Knex.MigrationSource<Migration> = {
    getMigrations: async () => [...migrations],
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => migration,
  };
  // A database may be ahead of this list: during a rolling update a pod of the
  // previous release (MIGRATE_ON_START=true outside the chart) starts after the
  // new release migrated. Knex would refuse ("migration directory is corrupt") and
  // the pod crash-loop; expand-only migrations leave the older release's schema
  // intact, so it runs on it as is.
  const [, applied] = (await db.migrate.latest({ migrationSource: source, disableMigrationsListValidation: true })) as [number, string[]];
  return applied;
}

export async function databaseAnswers(db: Knex): Promise<void> {
  await db.raw('select 1');
}

/**
 * The migration command (`node dist/migrate.js`, what the chart's migration Job
 * runs): it reads DATABASE_URL, LOG_LEVEL (and OTEL_SERVICE_NAME) and nothing else, so that the Job
 * needs neither the issuer's settings nor the app's tokens to migrate.
 */
export function runMigrationCommand(options: { service: string; migrations: readonly Migration[] }): Promise<void> {
  const config = loadConfig({
    // Required here, unlike the services' development default: the Job must name its database.
    DATABASE_URL: z.string('must be set (postgres://role:password@host:5432/database)').url(),
    LOG_LEVEL: logLevel,
    OTEL_SERVICE_NAME: otelServiceName,
  });
  const logger = createLogger(options.service, config.LOG_LEVEL);
  const db = createDatabase(config.DATABASE_URL, 1, config.OTEL_SERVICE_NAME);
  return migrate(db, options.migrations)
    .then((applied) => logger.info(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database already up to date'))
    .catch((error: unknown) => {
      process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(() => db.destroy());
}
