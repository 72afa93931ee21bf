// The outbox relay against a real PostgreSQL: claim (short), publish (no
// transaction open), record (short). Several relays side by side, a relay that
// dies holding a claim, a publish that fails.
import type { PaymentRequest } from '@orderflow/contracts';
import { migrations } from '../../src/data/migrations';
import { KnexPaymentRepository } from '../../src/data/payment-repository';
import type { OutboxEvent } from '../../src/domain/payment';
import { recordPayment } from '../../src/domain/record-payment';
import type { EventPublisher } from '../../src/domain/event-publisher';
import { relayBatch, relayOutbox } from '../../src/domain/relay-outbox';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { forgetUnpublishedEvents } from './payment-test-app';

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
  await forgetUnpublishedEvents(database.db);
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

/** What the lease would do after a while, at once: every live claim runs out. */
const expireClaims = () => database.db.raw(`update outbox_events set claimed_until = now() - interval '1 second' where claimed_until is not null`);

const RELAY = { batchSize: 10, leaseMs: 60_000, publishDeadlineMs: 30_000 };

describe('two relays at the same time (two replicas)', () => {
  it('publish each event exactly once between them, both taking a share, and mark every one sent', async () => {
    const eventIds = await recordEvents(40);
    // Slow enough that each relay's claims are still being published while the other claims.
    const first = recordingPublisher({ delayMs: 30 });
    const second = recordingPublisher({ delayMs: 30 });
    const options = { ...RELAY, batchSize: 7 };

    const [firstCount, secondCount] = await Promise.all([
      relayOutbox(outbox, first.publisher, options),
      relayOutbox(new KnexPaymentRepository(database.db), second.publisher, options),
    ]);

    expect(first.published.length).toBeGreaterThan(0);
    expect(second.published.length).toBeGreaterThan(0);
    expect(firstCount + secondCount).toBe(40);
    expect([...first.published, ...second.published].sort()).toEqual([...eventIds].sort());
    expect((await rowsOf(eventIds)).every((row) => row.published_at !== null)).toBe(true);
  });
});

describe('a relay that dies after claiming', () => {
  it('keeps other relays off its events while its claim lasts; once the claim runs out, another relay publishes them', async () => {
    const eventIds = await recordEvents(3);
    // The relay that dies: it claims, and never publishes nor records.
    const dead = await outbox.claim(10, 60_000);
    expect(dead?.events.map((event) => event.cloudEvent.id)).toEqual(eventIds);
    const { publisher, published } = recordingPublisher();

    expect(await relayOutbox(outbox, publisher, RELAY)).toBe(0);
    expect(published).toEqual([]);

    await expireClaims();
    expect(await relayOutbox(outbox, publisher, RELAY)).toBe(3);
    expect(published).toEqual(eventIds);
    expect((await rowsOf(eventIds)).every((row) => row.published_at !== null)).toBe(true);
  });

  it('between publishing and recording: the event is published again with the same event id, never lost', async () => {
    const [eventId] = await recordEvents(1);
    const { publisher, published } = recordingPublisher();
    // It published, and died before it recorded so.
    const claim = await outbox.claim(10, 60_000);
    for (const event of claim!.events) await publisher.publish(event);
    expect((await rowsOf([eventId!]))[0]!.published_at).toBeNull();

    await expireClaims();
    expect(await relayOutbox(outbox, publisher, RELAY)).toBe(1);
    expect(published).toEqual([eventId, eventId]);
    expect((await rowsOf([eventId!]))[0]!.published_at).not.toBeNull();
  });

  it('cannot, late, release the claim of the relay that took its events over', async () => {
    const [eventId] = await recordEvents(1);
    const stale = await outbox.claim(10, 60_000);
    await expireClaims();
    const current = await outbox.claim(10, 60_000);
    expect(current?.events.map((event) => event.cloudEvent.id)).toEqual([eventId]);

    await outbox.recordOutcome(stale!, { publishedIds: [], error: 'late failure' });

    const [row] = await rowsOf([eventId!]);
    expect(row!.claimed_until).not.toBeNull();
    expect(row!.attempts).toBe(0);
    const { publisher } = recordingPublisher();
    expect(await relayOutbox(outbox, publisher, RELAY)).toBe(0);
  });
});

describe('a claim that runs out while its publish is in flight', () => {
  it('lets another relay take the event over; both publish the same event id, and it is recorded published once', async () => {
    const [eventId] = await recordEvents(1);
    // The slow relay: its publish hangs until the test lets it answer.
    let answerSlow!: () => void;
    let slowStarted!: () => void;
    const slowPublishing = new Promise<void>((resolve) => (slowStarted = resolve));
    const slowPublished: string[] = [];
    const slowPublisher: EventPublisher = {
      async publish(event) {
        slowStarted();
        await new Promise<void>((resolve) => (answerSlow = resolve));
        slowPublished.push(event.cloudEvent.id);
      },
    };
    const slowRelay = relayBatch(outbox, slowPublisher, RELAY);
    await slowPublishing;

    await expireClaims();
    const second = recordingPublisher();
    expect(await relayBatch(new KnexPaymentRepository(database.db), second.publisher, RELAY)).toBe(1);
    const [takenOver] = await rowsOf([eventId!]);
    expect(takenOver!.published_at).not.toBeNull();

    // The slow relay's answer comes at last, and it records "published" too: harmless, nothing changes.
    answerSlow();
    expect(await slowRelay).toBe(1);
    expect(slowPublished).toEqual([eventId]);
    expect(second.published).toEqual([eventId]);
    const [row] = await rowsOf([eventId!]);
    expect(row).toEqual(takenOver);
    expect(row).toMatchObject({ attempts: 0, last_error: null, claimed_until: null });
  });

  it('when the stale relay records first, the relay that took over changes nothing when it records', async () => {
    const [eventId] = await recordEvents(1);
    const stale = await outbox.claim(10, 60_000);
    await expireClaims();
    const current = await outbox.claim(10, 60_000);
    const staleEvent = stale!.events[0]!;

    await outbox.recordOutcome(stale!, { publishedIds: [staleEvent.id] });
    const [recorded] = await rowsOf([eventId!]);
    expect(recorded!.published_at).not.toBeNull();

    await outbox.recordOutcome(current!, { publishedIds: [staleEvent.id] });
    expect((await rowsOf([eventId!]))[0]).toEqual(recorded);
  });
});

describe('a relay stopped in the middle of a batch', () => {
  it('hands back what it did not publish, and another relay publishes it at once, without waiting for the lease', async () => {
    const eventIds = await recordEvents(5);
    const stopping = new AbortController();
    // Each order's publish takes longer than the one before; the relay is stopped after the first two went out.
    const published: string[] = [];
    const publisher: EventPublisher = {
      async publish(event) {
        const position = eventIds.indexOf(event.cloudEvent.id);
        await new Promise((resolve) => setTimeout(resolve, 100 * (position + 1)));
        published.push(event.cloudEvent.id);
        if (published.length === 2) setTimeout(() => stopping.abort(), 0); // SIGTERM, just after
      },
    };

    expect(await relayOutbox(outbox, publisher, { ...RELAY, signal: stopping.signal })).toBe(2);
    const rows = await rowsOf(eventIds);
    expect(rows.filter((row) => row.published_at !== null)).toHaveLength(2);
    // Released, not failed: no attempt counted, no claim left.
    expect(rows.filter((row) => row.published_at === null)).toEqual(
      Array.from({ length: 3 }, () => expect.objectContaining({ claimed_until: null, attempts: 0, last_error: null })),
    );

    const next = recordingPublisher();
    expect(await relayOutbox(new KnexPaymentRepository(database.db), next.publisher, RELAY)).toBe(3);
    expect(next.published).toEqual(eventIds.slice(2));
  });
});

describe('a publish that fails', () => {
  it('leaves the event pending, with its attempt and reason, and the next round publishes it', async () => {
    const [eventId] = await recordEvents(1);
    const { publisher, published, state } = recordingPublisher();
    state.refusing = true;

    expect(await relayOutbox(outbox, publisher, RELAY)).toBe(0);
    expect((await rowsOf([eventId!]))[0]).toMatchObject({ published_at: null, attempts: 1, last_error: 'kafka down', claimed_until: null });

    state.refusing = false;
    expect(await relayOutbox(outbox, publisher, RELAY)).toBe(1);
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

    expect(await relayBatch(outbox, publisher, RELAY)).toBe(1);
    expect(lockedMeanwhile).toMatchObject({ event_id: eventId });
  });
});
