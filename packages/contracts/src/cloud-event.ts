// CloudEvents 1.0 in structured mode: the envelope every event of this system
// travels in. Producers fill it in whole (cloudEvent builders in each producer's
// domain); consumers read it with readCloudEvent, which checks what a consumer
// acts on (the id, the type, the data against the event's schema) and leaves
// what the broker and the sidecar add (topic, pubsubname, traceparent…) alone.
import { createHash } from 'node:crypto';
import type { z } from 'zod';

/** A CloudEvent 1.0 envelope as our producers publish it, with their own id, so every re-publish carries the same id. */
export interface CloudEvent<T> {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema: string;
  data: T;
}

/** What a consumer may rely on in a delivered event: a producer outside this system may leave the other attributes out. */
export type DeliveredCloudEvent<T> = Pick<CloudEvent<T>, 'id' | 'type' | 'data'>;

/** What reading one delivery came to. `id` is always there, so a refusal can be recorded once per event. */
export type CloudEventReading<T> =
  | { kind: 'event'; event: DeliveredCloudEvent<T> }
  /** Not the type the consumer reads (or no type at all). */
  | { kind: 'unexpected_type'; id: string; type: unknown; delivery: unknown }
  /** The expected type, but its data does not match the type's schema. */
  | { kind: 'invalid_data'; id: string; data: unknown; error: z.ZodError; delivery: unknown };

/** The longest event id consumers store (notification-service: varchar(200)). */
const MAX_EVENT_ID_LENGTH = 200;

/**
 * The delivery's id when it has a usable one; otherwise a digest of the whole
 * delivery, so that an event without an id still has a stable one (a redelivery
 * of it gets the same), and its refusal is recorded once.
 */
export function eventIdOf(delivery: unknown): string {
  const id = (typeof delivery === 'object' && delivery !== null ? delivery : {}) as { id?: unknown };
  return typeof id.id === 'string' && id.id.length > 0 && id.id.length <= MAX_EVENT_ID_LENGTH
    ? id.id
    : `sha256:${createHash('sha256').update(JSON.stringify(delivery ?? null)).digest('hex')}`;
}

/** Reads a delivered CloudEvent (structured mode) as one of `type`, its data checked against `dataSchema`. */
export function readCloudEvent<S extends z.ZodType>(delivery: unknown, type: string, dataSchema: S): CloudEventReading<z.infer<S>> {
  const envelope = (typeof delivery === 'object' && delivery !== null ? delivery : {}) as { type?: unknown; data?: unknown };
  const id = eventIdOf(delivery);
  if (envelope.type !== type) return { kind: 'unexpected_type', id, type: envelope.type, delivery };
  const parsed = dataSchema.safeParse(envelope.data);
  if (!parsed.success) return { kind: 'invalid_data', id, data: envelope.data, error: parsed.error, delivery };
  return { kind: 'event', event: { id, type, data: parsed.data } };
}
