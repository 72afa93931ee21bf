// What really lies on Kafka agrees with the AsyncAPI document payment-service
// serves (/asyncapi.json): every payment.confirmed on payment-topic, and a dead
// letter on payment-topic-dlq, each read straight from the broker (kafkajs) and
// checked against the document's message schema.
import { asyncApiProblems, messageValidator } from '../test-support/asyncapi';
import { readWholeTopic } from './support/kafka';
import { appUrl, eventually, http, invoke, publishUnprocessableEvent, uniqueCustomer } from './support/stack';
import { asCustomer } from './support/tokens';

/** The document as payment-service serves it (no token, like /openapi.json). */
async function servedDocument(): Promise<Record<string, any>> {
  const response = await http('GET', `${appUrl('payment-service')}/asyncapi.json`);
  expect(response.status).toBe(200);
  return response.body;
}

/** What the message's schema names (payload attributes or headers). */
function named(document: Record<string, any>, message: string, part: 'payload' | 'headers' = 'payload'): string[] {
  return Object.keys(document.components.messages[message][part].properties);
}

/** Names in `value` the message's schema does not name (it allows more: a check that it names all we see). */
function undocumented(document: Record<string, any>, message: string, value: Record<string, unknown>, part: 'payload' | 'headers' = 'payload'): string[] {
  const known = named(document, message, part);
  return Object.keys(value).filter((name) => !known.includes(name));
}

describe('the AsyncAPI document, against what is really published', () => {
  it('describes every payment.confirmed payment-service put on payment-topic, the one of a new order included', async () => {
    const document = await servedDocument();
    expect(asyncApiProblems(document)).toEqual([]);
    const validate = messageValidator(document, 'paymentConfirmed');
    const validateHeaders = messageValidator(document, 'paymentConfirmed', 'headers');

    const customer = uniqueCustomer();
    const placed = await invoke('order-service', 'order-service', 'POST', 'orders', {
      customer,
      items: [{ productId: 'map-1', name: 'Map of the topics', quantity: 1, unitPrice: '3.30' }],
      currency: 'EUR',
      paymentMethod: 'VISA',
    }, asCustomer(customer.id));
    expect(placed.status).toBe(201);
    const { reference } = placed.body as { reference: string };

    const published = await eventually('the order\'s payment.confirmed on payment-topic', async () => {
      const messages = (await readWholeTopic('payment-topic')).filter((message) => message.value?.source === 'payment-service');
      return messages.some((message) => message.value.data?.orderReference === reference) ? messages : undefined;
    }, 20_000);
    for (const message of published) {
      expect({ offset: `${message.partition}/${message.offset}`, problems: validate(message.value) }).toEqual({
        offset: `${message.partition}/${message.offset}`,
        problems: [],
      });
      expect(validateHeaders(message.headers)).toEqual([]);
      expect(undocumented(document, 'paymentConfirmed', message.value)).toEqual([]);
      expect(undocumented(document, 'paymentConfirmed', message.headers, 'headers')).toEqual([]);
      // The Kafka binding: keyed by the order reference, which is also the CloudEvent's subject.
      expect(message.key).toBe(message.value.subject);
    }
    // The sidecar wrote the trace context of the order's request into the envelope.
    const ours = published.find((message) => message.value.data.orderReference === reference)!;
    expect(ours.value.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/);
    // And every attribute the document names is there (the order's request was traced).
    expect(Object.keys(ours.value).sort()).toEqual(named(document, 'paymentConfirmed').sort());
  });

  it('describes a dead letter: the original CloudEvent, moved unchanged to payment-topic-dlq by notification-service\'s sidecar', async () => {
    const document = await servedDocument();
    const validate = messageValidator(document, 'deadLetter');
    // An event notification-service must reject (its amount is a number): the way the resilience test makes one.
    const orderReference = `ORD-ASYNCAPI${Date.now()}`;
    const { id: poisonId } = await publishUnprocessableEvent('e2e-asyncapi', orderReference);

    const letter = await eventually('the dead letter on payment-topic-dlq', async () => {
      const letters = await readWholeTopic('payment-topic-dlq');
      return letters.find((message) => message.value?.id === poisonId);
    }, 30_000);
    expect(validate(letter.value)).toEqual([]);
    expect(messageValidator(document, 'deadLetter', 'headers')(letter.headers)).toEqual([]);
    expect(undocumented(document, 'deadLetter', letter.value)).toEqual([]);
    expect(undocumented(document, 'deadLetter', letter.headers, 'headers')).toEqual([]);
    // It is not a valid payment.confirmed: the document promises no more than an envelope for a letter.
    expect(messageValidator(document, 'paymentConfirmed')(letter.value)).not.toEqual([]);

    const [original] = (await readWholeTopic('payment-topic')).filter((message) => message.value?.id === poisonId);
    expect(letter.value).toEqual(original!.value);
    expect(letter.key).toBe(original!.key);
    // The original's headers, unchanged, and those that say where it was read.
    expect(letter.headers).toEqual({
      ...original!.headers,
      __topic: 'payment-topic',
      __partition: String(original!.partition),
      __offset: original!.offset,
      __key: original!.key,
      __timestamp: expect.stringMatching(/^\d+$/),
      pubsubName: 'kafka-pubsub',
    });
  });
});
