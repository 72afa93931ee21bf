// What payment-service publishes, as an AsyncAPI 3 document: payment-topic
// (payment.confirmed, in a CloudEvent) and its dead-letter topic. The event's
// schema is derived from its zod contract in packages/contracts when this
// module loads, never copied: a change to the contract changes the document.
// Served at GET /asyncapi.json beside /openapi.json.
import {
  PAYMENT_CONFIRMED_DATASCHEMA,
  PAYMENT_CONFIRMED_EVENT_TYPE,
  PAYMENT_TOPIC,
  paymentConfirmedSchema,
} from '@orderflow/contracts';
import { z } from 'zod';

export const PAYMENT_DEAD_LETTER_TOPIC = `${PAYMENT_TOPIC}-dlq`;
const CLOUD_EVENT_CONTENT_TYPE = 'application/cloudevents+json';

/**
 * A zod schema as JSON Schema draft-07, the dialect AsyncAPI's default schema
 * format extends (its Schema Object is a superset of draft-07).
 */
function asyncApiSchema(schema: z.ZodType): Record<string, unknown> {
  const converted = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  delete converted.$schema;
  return converted;
}

/** W3C trace context, as the sidecar writes it into the envelope. */
const TRACEPARENT_PATTERN = '^[\\da-f]{2}-[\\da-f]{32}-[\\da-f]{16}-[\\da-f]{2}$';

/**
 * Attributes daprd adds to the CloudEvent it is handed before it reaches Kafka:
 * pubsubname and topic always; the trace context when the publish carried one
 * (payment-service passes on the traceparent of the request that caused the event).
 */
const sidecarAttributes = {
  traceparent: {
    type: 'string',
    pattern: TRACEPARENT_PATTERN,
    description: 'W3C trace context of the request that caused the event (the sidecar writes it: the delivery continues that trace)',
  },
  traceid: { type: 'string', description: 'The same trace context, under the name older Dapr versions use' },
  tracestate: { type: 'string', description: 'W3C trace state, often empty' },
  pubsubname: { type: 'string', description: 'The Dapr pub/sub component it went through (kafka-pubsub)' },
  topic: { type: 'string', description: 'The topic it was published to' },
};
const SIDECAR_REQUIRED = ['pubsubname', 'topic'];

/** payment.confirmed as it lies on payment-topic: our CloudEvent, in structured mode, plus what the sidecar adds. */
function paymentConfirmedEnvelope(): Record<string, unknown> {
  return {
    type: 'object',
    title: 'CloudEvent 1.0 carrying payment.confirmed v1',
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data', ...SIDECAR_REQUIRED],
    properties: {
      specversion: { const: '1.0' },
      id: {
        type: 'string',
        minLength: 1,
        description: 'Unique per event and the same on every re-publish of it (the outbox keeps it): consumers deduplicate by it',
      },
      source: { const: 'payment-service' },
      type: { const: PAYMENT_CONFIRMED_EVENT_TYPE },
      subject: { type: 'string', description: 'The order reference (also the Kafka message key)' },
      time: { type: 'string', format: 'date-time', description: 'When the payment was recorded (= data.confirmedAt)' },
      datacontenttype: { const: 'application/json' },
      dataschema: { const: PAYMENT_CONFIRMED_DATASCHEMA },
      data: asyncApiSchema(paymentConfirmedSchema),
      ...sidecarAttributes,
    },
    additionalProperties: true,
  };
}

/**
 * A dead letter: the CloudEvent exactly as it was read from payment-topic.
 * Its data is NOT promised to be a valid payment.confirmed: an event that
 * breaks the contract is one of the two reasons a letter lands here.
 */
function deadLetterEnvelope(): Record<string, unknown> {
  return {
    type: 'object',
    title: 'CloudEvent 1.0 as read from payment-topic',
    required: ['specversion', 'id', 'source', 'type', ...SIDECAR_REQUIRED],
    properties: {
      specversion: { const: '1.0' },
      id: { type: 'string', minLength: 1, description: 'The id of the original event (`npm run dead-letters -- replay --id <id>` names it)' },
      source: { type: 'string' },
      type: { type: 'string' },
      subject: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      datacontenttype: { type: 'string' },
      dataschema: { type: 'string' },
      data: { description: 'The original data, as published: usually payment.confirmed v1, but possibly anything' },
      ...sidecarAttributes,
    },
    additionalProperties: true,
  };
}

const kafkaKey = (description: string) => ({ kafka: { key: { type: 'string', description }, bindingVersion: '0.5.0' } });

/** Kafka headers: the sidecar writes the publish metadata (here the partition key) into them. */
function paymentConfirmedHeaders(): Record<string, unknown> {
  return {
    type: 'object',
    required: ['partitionKey'],
    properties: { partitionKey: { type: 'string', description: 'The order reference (metadata.partitionKey of the publish)' } },
    additionalProperties: { type: 'string' },
  };
}

/** A letter keeps the original's Kafka headers and gains five that say where it was read, and the component's name. */
function deadLetterHeaders(): Record<string, unknown> {
  const stringHeader = (description: string) => ({ type: 'string', description });
  return {
    type: 'object',
    required: ['__topic', '__partition', '__offset', '__timestamp', 'pubsubName'],
    properties: {
      __topic: stringHeader('The topic the original was read from (payment-topic)'),
      __partition: { type: 'string', pattern: '^\\d+$', description: 'Its partition there' },
      __offset: { type: 'string', pattern: '^\\d+$', description: 'Its offset there' },
      __key: stringHeader('Its Kafka key, when it had one'),
      __timestamp: { type: 'string', pattern: '^\\d+$', description: 'Its Kafka timestamp (milliseconds since 1970)' },
      pubsubName: stringHeader('The Dapr pub/sub component (kafka-pubsub)'),
      partitionKey: stringHeader('The original\'s own header, when it was published with a partition key'),
    },
    additionalProperties: { type: 'string', description: 'Any other header of the original, unchanged' },
  };
}

export function buildPaymentServiceAsyncApi(): Record<string, unknown> {
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'payment-service events',
      version: '1.0.0',
      description:
        'What payment-service announces. Every message is a CloudEvent 1.0 in structured mode (the whole event is the Kafka message value, ' +
        `${CLOUD_EVENT_CONTENT_TYPE}), published through Dapr (pub/sub component kafka-pubsub, Apache Kafka). ` +
        'Subscribe through a Dapr sidecar of your own: the topics are protected, and kafka-pubsub\'s subscriptionScopes name who may read them.',
    },
    defaultContentType: CLOUD_EVENT_CONTENT_TYPE,
    channels: {
      paymentTopic: {
        address: PAYMENT_TOPIC,
        title: PAYMENT_TOPIC,
        description:
          'One payment.confirmed per recorded payment, published from payment-service\'s outbox (at least once: a re-publish carries the same id). ' +
          'Keyed by the order reference, so every event of an order lies on one partition, in order.',
        messages: { paymentConfirmed: { $ref: '#/components/messages/paymentConfirmed' } },
      },
      paymentTopicDeadLetters: {
        address: PAYMENT_DEAD_LETTER_TOPIC,
        title: PAYMENT_DEAD_LETTER_TOPIC,
        description:
          'Written by notification-service\'s sidecar, not by payment-service: its subscription to payment-topic ' +
          '(components/subscription-payment-topic.yaml, deadLetterTopic) moves an event there when notification-service rejects it ' +
          '(answers DROP: its data breaks the contract) or still answers 5xx (its database is away) after the inbound retries ' +
          '(dapr/resiliency.yaml, deliveryRetry). ' +
          'The sidecar forwards the original CloudEvent unchanged (the same bytes), with the original Kafka key and headers, ' +
          'and adds headers that say where it was read (__topic, __partition, __offset, __key, __timestamp) and pubsubName. ' +
          'Operators list and replay letters with `npm run dead-letters`.',
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
      },
    },
    operations: {
      sendPaymentConfirmed: {
        action: 'send',
        channel: { $ref: '#/channels/paymentTopic' },
        title: 'Announce a recorded payment',
        summary: 'payment-service publishes payment.confirmed once a payment is recorded (POST /payments).',
        messages: [{ $ref: '#/channels/paymentTopic/messages/paymentConfirmed' }],
      },
    },
    components: {
      messages: {
        paymentConfirmed: {
          name: PAYMENT_CONFIRMED_EVENT_TYPE,
          title: 'payment.confirmed v1',
          summary: 'A payment was recorded for an order.',
          contentType: CLOUD_EVENT_CONTENT_TYPE,
          payload: paymentConfirmedEnvelope(),
          headers: paymentConfirmedHeaders(),
          correlationId: { description: 'The order reference', location: '$message.payload#/subject' },
          bindings: kafkaKey('The order reference'),
        },
        deadLetter: {
          name: 'dead-letter',
          title: 'A payment-topic event notification-service could not process',
          contentType: CLOUD_EVENT_CONTENT_TYPE,
          payload: deadLetterEnvelope(),
          headers: deadLetterHeaders(),
          bindings: kafkaKey('The original key: the order reference, for events of payment-service'),
        },
      },
    },
  };
}

export const paymentServiceAsyncApi = buildPaymentServiceAsyncApi();
