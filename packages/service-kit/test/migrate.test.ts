// migrate() against a real PostgreSQL, the way a rolling update meets it: a pod
// of the previous release, with the shorter list of migrations, starts on a
// database a newer release already migrated.
import { migrate, type Knex, type Migration } from '../src/database';
import { createTestDatabase, type TestDatabase } from '../../../test-support/test-database';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('payment-service', []);
});

afterAll(async () => {
  await database.drop();
});

const createTable = (name: string): Migration => ({
  name: `create-${name}`,
  up: (knex: Knex) => knex.schema.createTable(name, (table) => table.increments('id')),
  down: (knex: Knex) => knex.schema.dropTable(name),
});

describe('migrating a database that is ahead of this release', () => {
  it('applies nothing, undoes nothing, and does not fail', async () => {
    const older = createTable('older_release');
    const newer = createTable('newer_release');
    expect(await migrate(database.db, [older, newer])).toEqual(['create-older_release', 'create-newer_release']);

    expect(await migrate(database.db, [older])).toEqual([]);
    expect(await database.db.schema.hasTable('newer_release')).toBe(true);
    expect(await database.db('knex_migrations').orderBy('id').pluck('name')).toEqual(['create-older_release', 'create-newer_release']);
  });
});
