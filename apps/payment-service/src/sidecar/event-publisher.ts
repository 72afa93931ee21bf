// Publishes outbox events through our sidecar's pub/sub API. Which broker sits
// behind the component (Kafka here) is the sidecar's business.
import { describeSidecarAnswer, type DaprSidecar } from '@orderflow/service-kit';
import type { OutboxEvent } from '../domain/payment';
import type { EventPublisher } from '../domain/event-publisher';

/**
 * How long the relay waits for one publish: longer than the sidecar's own worst
 * case (dapr/resiliency.yaml: 4 attempts of 5 s plus backoff, about 24 s). The
 * SDK cannot abandon a call, so a shorter wait would leave the sidecar retrying
 * a publish the relay already tries again beside it.
 */
export const PUBLISH_DEADLINE_MS = 30_000;

export class DaprEventPublisher implements EventPublisher {
  constructor(
    private readonly sidecar: DaprSidecar,
    private readonly pubsubName: string,
  ) {}

  async publish(event: OutboxEvent): Promise<void> {
    const answer = await this.sidecar.publishCloudEvent(this.pubsubName, event.topic, event.cloudEvent, {
      partitionKey: event.partitionKey,
      timeoutMs: PUBLISH_DEADLINE_MS,
      // The sidecar writes it into the CloudEvent: the subscriber's delivery continues the order's trace.
      headers: { traceparent: event.traceparent },
    });
    if (!answer.ok) throw new Error(`publish to ${event.topic} refused: ${describeSidecarAnswer(answer)}`);
  }
}
