// The platform is real: three daprd sidecars, service invocation by app-id,
// pub/sub through a Kafka broker, and the SMTP binding delivering to MailDev.
import { randomUUID } from 'node:crypto';
import { readWholeTopic } from './support/kafka';
import { emailsTo } from './support/maildev';
import { eventually, http, invoke, sidecarUrl, uniqueCustomer, type ServiceName } from './support/stack';

const SERVICES: ServiceName[] = ['order-service', 'payment-service', 'notification-service'];

describe('the platform', () => {
  it.each(SERVICES)('has a healthy sidecar beside %s', async (service) => {
    const health = await http('GET', `${sidecarUrl(service)}/v1.0/healthz`);
    expect(health.status).toBe(204);
    const metadata = await http('GET', `${sidecarUrl(service)}/v1.0/metadata`);
    expect(metadata.body.id).toBe(service);
  });

  it('lets one app invoke another by app-id through the sidecars', async () => {
    // The one call dapr/config.yaml lets through: order-service charging an order.
    const orderReference = `ORD-INVOKE${Date.now()}`;
    const response = await invoke('order-service', 'payment-service', 'POST', 'payments', {
      orderReference,
      amount: '1.00',
      currency: 'EUR',
      paymentMethod: 'VISA',
      customer: uniqueCustomer(),
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ orderReference, status: 'CONFIRMED' });
  });

  it('carries a message published through one sidecar over Kafka to the subscriber, which mails it through the SMTP binding', async () => {
    const customer = uniqueCustomer();
    const eventId = randomUUID();
    const orderReference = `ORD-SMOKE${Date.now()}`;
    const published = await http(
      'POST',
      `${sidecarUrl('payment-service')}/v1.0/publish/kafka-pubsub/payment-topic?metadata.partitionKey=${orderReference}`,
      JSON.stringify({
        specversion: '1.0',
        id: eventId,
        type: 'payment.confirmed',
        source: 'e2e-smoke',
        datacontenttype: 'application/json',
        data: {
          paymentId: randomUUID(),
          orderReference,
          amount: '1.00',
          currency: 'EUR',
          paymentMethod: 'PAYPAL',
          customer,
          confirmedAt: new Date().toISOString(),
        },
      }),
      { 'content-type': 'application/cloudevents+json' },
    );
    expect(published.status).toBe(204);

    const onKafka = (await readWholeTopic('payment-topic')).filter((m) => m.value?.id === eventId);
    expect(onKafka).toHaveLength(1);
    expect(onKafka[0]!.key).toBe(orderReference);

    const [email] = await eventually('the e-mail in MailDev', async () => {
      const found = await emailsTo(customer.email);
      return found.length > 0 ? found : undefined;
    });
    expect(email!.subject).toBe(`Payment confirmed for order ${orderReference}`);
  });

  it('sends an e-mail through the SMTP output binding into MailDev', async () => {
    const customer = uniqueCustomer();
    const subject = `binding smoke ${randomUUID()}`;
    const sent = await http('POST', `${sidecarUrl('notification-service')}/v1.0/bindings/email`, {
      operation: 'create',
      data: '<p>hello from the binding</p>',
      metadata: { emailTo: customer.email, emailFrom: 'orderflow@example.com', subject },
    });
    expect(sent.status).toBe(204);
    const [email] = await eventually('the e-mail in MailDev', async () => {
      const found = await emailsTo(customer.email);
      return found.length > 0 ? found : undefined;
    });
    expect(email!.subject).toBe(subject);
    expect(email!.html).toContain('hello from the binding');
  });

  it('refuses a publish to payment-topic from order-service (only payment-service may publish)', async () => {
    const refused = await http('POST', `${sidecarUrl('order-service')}/v1.0/publish/kafka-pubsub/payment-topic`, { hello: 'world' });
    expect(refused.status).toBe(403);
    expect(refused.body.errorCode).toBe('ERR_PUBSUB_FORBIDDEN');
  });
});
