// The outbox relay: hands committed events to the sidecar and marks them sent.
// Events of one order (one partition key) go out one after another, in the
// order they were recorded, and a key whose event failed holds back its later
// events; different orders go out side by side.
import type { OutboxEvent } from './payment';
import type { Outbox, PendingOutboxEvent, PublishReport } from './payment-repository';

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

/** Relays until the outbox is empty or a round publishes nothing; returns how many went out. */
export async function relayOutbox(outbox: Outbox, publisher: EventPublisher, batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const published = await outbox.relayBatch(batchSize, (events) => publishInKeyOrder(events, publisher));
    total += published;
    if (published < batchSize) return total;
  }
}
