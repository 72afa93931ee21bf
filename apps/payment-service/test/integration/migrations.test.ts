// payment-service's migrations against a real PostgreSQL, where a rolling
// update runs them: beside the previous release, which holds row locks on
// outbox_events while it relays.
import { migrate } from '@orderflow/service-kit';
import { migrations } from '../../src/data/migrations';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';

let database: TestDatabase;

beforeAll(async () => {
  // The schema as the previous release left it: every migration but the claims.
  database = await createTestDatabase(
    'payment-service',
    migrations.filter((migration) => migration.name !== '004-outbox-claims'),
  );
});

afterAll(async () => {
  await database.drop();
});

describe('adding the outbox claims while the previous release relays', () => {
  it('gives up within seconds, with a lock timeout, while another transaction holds outbox rows; then applies once they are free', async () => {
    // The previous release's relay: its batch locked, its publish in flight.
    const relaying = await database.db.transaction();
    await relaying.raw('select id from outbox_events for update');

    jest.spyOn(console, 'log').mockImplementation(() => {}); // knex tells of the failure on the console
    const startedAt = Date.now();
    await expect(migrate(database.db, migrations)).rejects.toThrow(/lock timeout/);
    expect(Date.now() - startedAt).toBeLessThan(5_000);

    jest.restoreAllMocks();
    await relaying.commit();
    expect(await migrate(database.db, migrations)).toEqual(['004-outbox-claims']);
    const columns = await database.db('outbox_events').columnInfo();
    expect(Object.keys(columns)).toEqual(expect.arrayContaining(['claimed_until', 'claim_token']));
  }, 20_000);
});
