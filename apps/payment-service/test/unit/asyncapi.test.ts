import { paymentConfirmedSchema } from '@orderflow/contracts';
import { z } from 'zod';
import { buildPaymentServiceAsyncApi, paymentServiceAsyncApi } from '../../src/http/asyncapi';
import { newPayment, paymentConfirmedEvent } from '../../src/domain/payment';
import { asyncApiProblems, messageValidator, resolveRef } from '../../../../test-support/asyncapi';

const document = paymentServiceAsyncApi as Record<string, any>;

/** The CloudEvent payment-service hands its sidecar, with what the sidecar adds before Kafka. */
function publishedEvent() {
  const payment = newPayment({
    orderReference: 'ORD-0123456789ABCDEF',
    amount: '12.50',
    currency: 'EUR',
    paymentMethod: 'VISA',
    customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  });
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  return {
    ...paymentConfirmedEvent(payment, traceparent).cloudEvent,
    traceparent,
    traceid: traceparent,
    tracestate: '',
    pubsubname: 'kafka-pubsub',
    topic: 'payment-topic',
  };
}

describe("payment-service's AsyncAPI document", () => {
  it('is structurally an AsyncAPI 3.0 document: info, addressed channels, operations whose channel and messages resolve', () => {
    expect(asyncApiProblems(document)).toEqual([]);
    expect(Object.values(document.channels).map((channel: any) => channel.address).sort()).toEqual(['payment-topic', 'payment-topic-dlq']);
    expect(document.defaultContentType).toBe('application/cloudevents+json');
    expect(resolveRef(document, document.operations.sendPaymentConfirmed.channel.$ref)).toBe(document.channels.paymentTopic);
  });

  it('finds what is broken in a document (the structural check can fail)', () => {
    const broken = JSON.parse(JSON.stringify(document));
    broken.asyncapi = '2.6.0';
    delete broken.channels.paymentTopic.address;
    broken.operations.sendPaymentConfirmed.messages = [{ $ref: '#/channels/paymentTopicDeadLetters/messages/deadLetter' }];
    expect(asyncApiProblems(broken)).toHaveLength(3);
  });

  it('has message payloads and headers that compile as JSON Schema draft-07 in strict mode', () => {
    for (const name of Object.keys(document.components.messages)) {
      expect(() => messageValidator(document, name)).not.toThrow();
      expect(() => messageValidator(document, name, 'headers')).not.toThrow();
    }
  });

  it('derives the event data schema from the zod contract in packages/contracts (not a copy)', () => {
    const data = document.components.messages.paymentConfirmed.payload.properties.data;
    const { $schema: _dialect, ...fromContract } = z.toJSONSchema(paymentConfirmedSchema, { target: 'draft-7', io: 'output' }) as Record<string, unknown>;
    expect(data).toEqual(fromContract);
    expect(buildPaymentServiceAsyncApi()).toEqual(document);
  });

  it('accepts the payment.confirmed payment-service publishes, and refuses one whose envelope or data breaks the contract', () => {
    const validate = messageValidator(document, 'paymentConfirmed');
    const event = publishedEvent();
    expect(validate(event)).toEqual([]);
    expect(validate({ ...event, traceparent: undefined, traceid: undefined, tracestate: undefined })).toEqual([]);

    // A number where a decimal string belongs: the amount is named (the per-currency if/then may add its own line).
    const numeric = validate({ ...event, data: { ...(event.data as object), amount: 12.5 } });
    expect(numeric).toContainEqual(expect.stringMatching(/^\/data\/amount/));
    expect(numeric.every((error) => error.startsWith('/data'))).toBe(true);
    // More fraction digits than the currency has (JPY has none): the schema carries the currency's precision.
    const yen = validate({ ...event, data: { ...(event.data as object), currency: 'JPY', amount: '10.50' } });
    expect(yen).toContainEqual(expect.stringMatching(/^\/data\/amount/));
    expect(validate({ ...event, data: { ...(event.data as object), currency: 'KWD', amount: '1.234' } })).toEqual([]);
    expect(validate({ ...event, type: 'payment.refunded' })).toEqual([expect.stringMatching(/^\/type/)]);
    const { id: _id, ...withoutId } = event;
    expect(validate(withoutId)).toEqual([expect.stringMatching(/id/)]);
  });

  it('accepts as a dead letter any CloudEvent read from payment-topic, one with broken data included', () => {
    const validate = messageValidator(document, 'deadLetter');
    const event = publishedEvent();
    expect(validate(event)).toEqual([]);
    const poison = { specversion: '1.0', id: 'x-1', source: 'e2e-poison', type: 'payment.confirmed', data: { amount: 12.5 } };
    expect(validate({ ...poison, pubsubname: 'kafka-pubsub', topic: 'payment-topic' })).toEqual([]);
    // Whatever reaches Kafka went through a sidecar, which names the component and the topic.
    expect(validate(poison)).not.toEqual([]);
    expect(validate({ id: 'x-1', data: {} })).not.toEqual([]);
  });
});
