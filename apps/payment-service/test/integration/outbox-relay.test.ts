// The outbox relay against a real PostgreSQL: claim (short), publish (no
// transaction open), record (short). Several relays side by side, a relay that
// dies holding a claim, a publish that fails.
import type { PaymentRequest } from '@orderflow/contracts';
import { migrations } from '../../src/data/migrations';
import { KnexPaymentRepository } from '../../src/data/payment-repository';
import type { OutboxEvent } from '../../src/domain/payment';
import { recordPayment } from '../../src/domain/record-payment';
import { relayBatch, relayOutbox, type EventPublisher } from '../../src/domain/relay-outbox';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';

let database: TestDatabase;
let outbox: KnexPaymentRepository;

beforeAll(async () => {
  database = await createTestDatabase('payment-service', migrations);
  outbox = new KnexPaymentRepository(database.db);
});

afterAll(async () => {
  await database.drop();
});

beforeEach(async () => {
  // Earlier tests' events are not this test's business.
  await database.db('outbox_events').whereNull('published_at').update({ published_at: database.db.fn.now() });
});

let sequence = 0;
const paymentRequest = (): PaymentRequest => ({
  orderReference: `ORD-RELAY${Date.now()}${(sequence += 1)}`,
  amount: '49.90',
  currency: 'EUR',
  paymentMethod: 'VISA',
  customer: { id: 'cust-42', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
});

/** Records `count` payments, each with its payment.confirmed event; returns the events' ids. */
async function recordEvents(count: number): Promise<string[]> {
  const orderReferences: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const request = paymentRequest();
    await recordPayment(request, outbox);
    orderReferences.push(request.orderReference);
  }
  const rows: { cloud_event: { id: string } }[] = await database.db('outbox_events').whereIn('partition_key', orderReferences).orderBy('id');
  return rows.map((row) => row.cloud_event.id);
}

/** A sidecar stand-in: notes every event id it accepts, after `delayMs`; refuses while `refusing`. */
function recordingPublisher(options: { delayMs?: number } = {}) {
  const published: string[] = [];
  const state = { refusing: false };
  const publisher: EventPublisher = {
    async publish(event: OutboxEvent) {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
      if (state.refusing) throw new Error('kafka down');
      published.push(event.cloudEvent.id);
    },
  };
  return { publisher, published, state };
}

const rowsOf = (eventIds: string[]) =>
  database.db('outbox_events').whereIn('event_id', eventIds).orderBy('id') as Promise<
    { id: string; published_at: Date | null; attempts: number; last_error: string | null; claimed_until: Date | null }[]
  >;

describe('two relays at the same time (two replicas)', () => {
  it('publish each event exactly once between them, and mark every one sent', async () => {
    const eventIds = await recordEvents(40);
    const { publisher, published } = recordingPublisher({ delayMs: 5 });
    const options = { batchSize: 7, leaseMs: 60_000 };

    const [first, second] = await Promise.all([
      relayOutbox(outbox, publisher, options),
      relayOutbox(new KnexPaymentRepository(database.db), publisher, options),
    ]);

    expect(first + second).toBe(40);
    expect([...published].sort()).toEqual([...eventIds].sort());
    expect((await rowsOf(eventIds)).every((row) => row.published_at !== null)).toBe(true);
  });
});

describe('a relay that dies after claiming', () => {
  it('keeps other relays off its events while its claim lasts; once the claim runs out, another relay publishes them', async () => {
    const eventIds = await recordEvents(3);
    // The relay that dies: it claims, and never publishes nor records.
    const dead = await outbox.claim(10, 400);
    expect(dead?.events.map((event) => event.cloudEvent.id)).toEqual(eventIds);
    const { publisher, published } = recordingPublisher();

    expect(await relayOutbox(outbox, publisher, { batchSize: 10, leaseMs: 60_000 })).toBe(0);
    expect(published).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await relayOutbox(outbox, publisher, { batchSize: 10, leaseMs: 60_000 })).toBe(3);
    expect(published).toEqual(eventIds);
    expect((await rowsOf(eventIds)).every((row) => row.published_at !== null)).toBe(true);
  });

  it('between publishing and recording: the event is published again with the same event id, never lost', async () => {
    const [eventId] = await recordEvents(1);
    const { publisher, published } = recordingPublisher();
    // It published, and died before it recorded so.
    const claim = await outbox.claim(10, 300);
    for (const event of claim!.events) await publisher.publish(event);
    expect((await rowsOf([eventId!]))[0]!.published_at).toBeNull();

    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await relayOutbox(outbox, publisher, { batchSize: 10, leaseMs: 60_000 })).toBe(1);
    expect(published).toEqual([eventId, eventId]);
    expect((await rowsOf([eventId!]))[0]!.published_at).not.toBeNull();
  });

  it('cannot, late, release the claim of the relay that took its events over', async () => {
    const [eventId] = await recordEvents(1);
    const stale = await outbox.claim(10, 100);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const current = await outbox.claim(10, 60_000);
    expect(current?.events.map((event) => event.cloudEvent.id)).toEqual([eventId]);

    await outbox.recordOutcome(stale!, { publishedIds: [], error: 'late failure' });

    const [row] = await rowsOf([eventId!]);
    expect(row!.claimed_until).not.toBeNull();
    expect(row!.attempts).toBe(0);
    const { publisher } = recordingPublisher();
    expect(await relayOutbox(outbox, publisher, { batchSize: 10, leaseMs: 60_000 })).toBe(0);
  });
});

describe('a publish that fails', () => {
  it('leaves the event pending, with its attempt and reason, and the next round publishes it', async () => {
    const [eventId] = await recordEvents(1);
    const { publisher, published, state } = recordingPublisher();
    state.refusing = true;

    expect(await relayOutbox(outbox, publisher, { batchSize: 10, leaseMs: 60_000 })).toBe(0);
    expect((await rowsOf([eventId!]))[0]).toMatchObject({ published_at: null, attempts: 1, last_error: 'kafka down', claimed_until: null });

    state.refusing = false;
    expect(await relayOutbox(outbox, publisher, { batchSize: 10, leaseMs: 60_000 })).toBe(1);
    expect(published).toEqual([eventId]);
    expect((await rowsOf([eventId!]))[0]!.published_at).not.toBeNull();
  });
});

describe('while a relay publishes', () => {
  it('holds no lock on the rows it claimed: another transaction can lock them at once', async () => {
    const [eventId] = await recordEvents(1);
    let lockedMeanwhile: unknown;
    const publisher: EventPublisher = {
      async publish() {
        // NOWAIT: fails at once (55P03) if any transaction still holds the row.
        lockedMeanwhile = await database.db.transaction((trx) => trx('outbox_events').where({ event_id: eventId }).forUpdate().noWait().first());
      },
    };

    expect(await relayBatch(outbox, publisher, { batchSize: 10, leaseMs: 60_000 })).toBe(1);
    expect(lockedMeanwhile).toMatchObject({ event_id: eventId });
  });
});
