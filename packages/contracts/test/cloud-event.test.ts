import { z } from 'zod';
import { eventIdOf, readCloudEvent } from '../src/cloud-event';

const dataSchema = z.object({ orderReference: z.string(), amount: z.string() });
const delivered = (overrides: object = {}) => ({
  specversion: '1.0',
  id: 'evt-1',
  type: 'payment.confirmed',
  source: 'payment-service',
  // What the sidecar adds: not the reader's business.
  topic: 'payment-topic',
  pubsubname: 'kafka-pubsub',
  data: { orderReference: 'ORD-1', amount: '49.90' },
  ...overrides,
});

describe('reading a delivered CloudEvent', () => {
  it('gives the id, the type and the data checked against the schema of the expected type', () => {
    expect(readCloudEvent(delivered(), 'payment.confirmed', dataSchema)).toEqual({
      kind: 'event',
      event: { id: 'evt-1', type: 'payment.confirmed', data: { orderReference: 'ORD-1', amount: '49.90' } },
    });
  });

  it('tells an event of another type (or of none) from one whose data does not match, keeping the id and the delivery', () => {
    const otherType = delivered({ type: 'order.placed' });
    expect(readCloudEvent(otherType, 'payment.confirmed', dataSchema)).toEqual({
      kind: 'unexpected_type',
      id: 'evt-1',
      type: 'order.placed',
      delivery: otherType,
    });
    expect(readCloudEvent({ id: 'evt-2' }, 'payment.confirmed', dataSchema)).toMatchObject({ kind: 'unexpected_type', type: undefined });

    const badData = delivered({ data: { orderReference: 'ORD-1' } });
    const reading = readCloudEvent(badData, 'payment.confirmed', dataSchema);
    expect(reading).toMatchObject({ kind: 'invalid_data', id: 'evt-1', data: { orderReference: 'ORD-1' }, delivery: badData });
    expect(reading.kind === 'invalid_data' && reading.error.issues.map((issue) => issue.path)).toEqual([['amount']]);
  });

  it('gives an event without a usable id a stable one, the same for every redelivery of it', () => {
    const withoutId = delivered({ id: undefined });
    const tooLong = delivered({ id: 'x'.repeat(201) });
    expect(eventIdOf(withoutId)).toMatch(/^sha256:[\da-f]{64}$/);
    expect(eventIdOf(structuredClone(withoutId))).toBe(eventIdOf(withoutId));
    expect(eventIdOf(tooLong)).not.toBe(eventIdOf(withoutId));
    expect(eventIdOf(tooLong)).toMatch(/^sha256:/);
    expect(eventIdOf(delivered({ id: 'x'.repeat(200) }))).toBe('x'.repeat(200));
    expect(eventIdOf(null)).toMatch(/^sha256:/);
  });
});
