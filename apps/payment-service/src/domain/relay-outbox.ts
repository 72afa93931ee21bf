// The outbox relay: hands committed events to the sidecar and marks them sent,
// in three steps, none of which holds a row lock across I/O: claim a batch (a
// short statement that gives the rows a lease), publish them (no transaction
// open), record what went out (a short transaction). Other relays (replicas)
// skip rows under a live claim, so in normal operation each event is published
// once. If a relay dies between publishing and recording, its claim runs out and
// another relay publishes the event again, with the same CloudEvent id:
// consumers dedupe by event id, so the effect is once; an event is never lost.
// Events of one order (one partition key) go out one after another, in the
// order they were recorded, and a key whose event failed holds back its later
// events; different orders go out side by side. That order holds within a
// claim; two replicas could split one key's events between their claims, as
// they could split their locked batches before (payment-service records one
// event per order today, so no key has two).
import type { OutboxEvent } from './payment';
import type { Outbox, PendingOutboxEvent, PublishReport } from './payment-repository';

export interface RelayOptions {
  /** Events claimed per round. */
  batchSize: number;
  /**
   * How long a claim keeps other relays off its events: longer than the worst
   * publish (PUBLISH_DEADLINE_MS), or another relay may publish an event again
   * while the first is still at it (harmless, same event id, but wasted).
   */
  leaseMs: number;
}

export interface EventPublisher {
  /** Resolves when the sidecar accepted the event; rejects with the reason otherwise. */
  publish(event: OutboxEvent): Promise<void>;
}

export async function publishInKeyOrder(events: PendingOutboxEvent[], publisher: EventPublisher): Promise<PublishReport> {
  const byKey = new Map<string, PendingOutboxEvent[]>();
  for (const event of events) byKey.set(event.partitionKey, [...(byKey.get(event.partitionKey) ?? []), event]);

  const publishedIds: string[] = [];
  const errors: string[] = [];
  await Promise.all(
    [...byKey.values()].map(async (sameKey) => {
      for (const event of sameKey) {
        try {
          await publisher.publish(event);
          publishedIds.push(event.id);
        } catch (error) {
          errors.push(error instanceof Error ? error.message : String(error));
          return; // later events of this key wait for the next round
        }
      }
    }),
  );
  return errors.length ? { publishedIds, error: errors[0] } : { publishedIds };
}

/** One round: claim, publish, record. Returns how many events went out. */
export async function relayBatch(outbox: Outbox, publisher: EventPublisher, options: RelayOptions): Promise<number> {
  const claim = await outbox.claim(options.batchSize, options.leaseMs);
  if (!claim) return 0;
  const report = await publishInKeyOrder(claim.events, publisher);
  await outbox.recordOutcome(claim, report);
  return report.publishedIds.length;
}

/** Relays until the outbox is empty or a round falls short of a full batch; returns how many went out. */
export async function relayOutbox(outbox: Outbox, publisher: EventPublisher, options: RelayOptions): Promise<number> {
  let total = 0;
  for (;;) {
    const published = await relayBatch(outbox, publisher, options);
    total += published;
    if (published < options.batchSize) return total;
  }
}
