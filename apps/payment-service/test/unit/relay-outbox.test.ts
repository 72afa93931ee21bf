import type { OutboxEvent } from '../../src/domain/payment';
import type { Outbox, OutboxClaim, PendingOutboxEvent, PublishReport } from '../../src/domain/payment-repository';
import { publishInKeyOrder, relayBatch, relayOutbox, type EventPublisher } from '../../src/domain/relay-outbox';

let nextId = 0;
const event = (partitionKey: string): PendingOutboxEvent => {
  nextId += 1;
  return {
    id: String(nextId),
    topic: 'payment-topic',
    partitionKey,
    cloudEvent: {
      specversion: '1.0',
      id: `evt-${nextId}`,
      type: 'payment.confirmed',
      source: 'payment-service',
      subject: partitionKey,
      time: '2026-11-25T10:00:00.000Z',
      datacontenttype: 'application/json',
      dataschema: 'urn:orderflow:events:payment.confirmed:v1',
      data: {},
    },
  };
};

/** Publishes after a short wait, in the order it is called; refuses the event ids in `refuse`. */
function publisherRefusing(refuse: string[] = [], log: string[] = []): EventPublisher {
  return {
    async publish(published: OutboxEvent) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (refuse.includes(published.cloudEvent.id)) throw new Error(`refused ${published.cloudEvent.id}`);
      log.push(published.cloudEvent.id);
    },
  };
}

describe('publishing a batch', () => {
  it("publishes each order's events one after another, in the order they were recorded", async () => {
    const events = [event('ORD-A'), event('ORD-B'), event('ORD-A'), event('ORD-A')];
    const log: string[] = [];
    const report = await publishInKeyOrder(events, publisherRefusing([], log));

    const orderA = events.filter((e) => e.partitionKey === 'ORD-A').map((e) => e.cloudEvent.id);
    expect(log.filter((id) => orderA.includes(id))).toEqual(orderA);
    expect([...report.publishedIds].sort()).toEqual(events.map((e) => e.id).sort());
    expect(report.error).toBeUndefined();
  });

  it("holds back an order's later events when one fails, and goes on with the other orders", async () => {
    const [a1, a2, b1] = [event('ORD-A'), event('ORD-A'), event('ORD-B')];
    const report = await publishInKeyOrder([a1!, a2!, b1!], publisherRefusing([a1!.cloudEvent.id]));

    expect(report.publishedIds).toEqual([b1!.id]);
    expect(report.error).toBe(`refused ${a1!.cloudEvent.id}`);
  });
});

/** An outbox in memory that notes the order of claim, publish and record. */
function memoryOutbox(pending: PendingOutboxEvent[], steps: string[]) {
  const recorded: PublishReport[] = [];
  const outbox: Outbox = {
    async claim(limit) {
      const events = pending.splice(0, limit);
      steps.push(`claim ${events.length}`);
      return events.length ? { token: 't', events } : undefined;
    },
    async recordOutcome(_claim: OutboxClaim, report: PublishReport) {
      steps.push(`record ${report.publishedIds.length}`);
      recorded.push(report);
    },
    async lag() {
      return { unpublished: pending.length, oldestAgeSeconds: 0 };
    },
  };
  return { outbox, recorded };
}

describe('one relay round', () => {
  it('claims, then publishes, then records what went out and why the rest did not', async () => {
    const steps: string[] = [];
    const events = [event('ORD-A'), event('ORD-B')];
    const { outbox, recorded } = memoryOutbox([...events], steps);
    const publisher: EventPublisher = {
      async publish(published) {
        steps.push(`publish ${published.partitionKey}`);
        if (published.partitionKey === 'ORD-B') throw new Error('kafka down');
      },
    };

    expect(await relayBatch(outbox, publisher, { batchSize: 10, leaseMs: 60_000 })).toBe(1);
    expect(steps).toEqual(['claim 2', 'publish ORD-A', 'publish ORD-B', 'record 1']);
    expect(recorded).toEqual([{ publishedIds: [events[0]!.id], error: 'kafka down' }]);
  });

  it('publishes and records nothing when there is nothing to claim', async () => {
    const steps: string[] = [];
    const { outbox } = memoryOutbox([], steps);
    expect(await relayBatch(outbox, publisherRefusing(), { batchSize: 10, leaseMs: 60_000 })).toBe(0);
    expect(steps).toEqual(['claim 0']);
  });
});

describe('relaying the outbox', () => {
  it('goes round while rounds come back full, and stops at the first that falls short', async () => {
    const steps: string[] = [];
    const { outbox } = memoryOutbox(Array.from({ length: 5 }, () => event('ORD-C')), steps);
    expect(await relayOutbox(outbox, publisherRefusing(), { batchSize: 2, leaseMs: 60_000 })).toBe(5);
    expect(steps).toEqual(['claim 2', 'record 2', 'claim 2', 'record 2', 'claim 1', 'record 1']);
  });
});
