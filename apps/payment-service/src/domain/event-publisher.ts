import type { OutboxEvent } from './payment';

/** Where the outbox relay hands events (the sidecar's pub/sub: sidecar/event-publisher.ts). */
export interface EventPublisher {
  /** Resolves when the sidecar accepted the event; rejects with the reason otherwise. */
  publish(event: OutboxEvent): Promise<void>;
}
