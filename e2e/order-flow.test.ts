// The seed's story on the real parts: an order posted through order-service's
// sidecar is paid by payment-service (service invocation), announced on
// payment-topic (Kafka), and the customer gets exactly one e-mail (SMTP binding).
import { readWholeTopic } from './support/kafka';
import { emailsTo } from './support/maildev';
import { eventually, invoke, uniqueCustomer } from './support/stack';
import { asCustomer } from './support/tokens';
import { validatePaymentConfirmed } from '../test-support/event-schema';

const order = (customer: ReturnType<typeof uniqueCustomer>) => ({
  customer,
  items: [
    { productId: 'book-1', name: 'Notes on the Analytical Engine', quantity: 2, unitPrice: '24.95' },
    { productId: 'pen-7', name: 'Pen', quantity: 3, unitPrice: '0.10' },
  ],
  currency: 'EUR',
  paymentMethod: 'VISA',
});

describe('an order, end to end', () => {
  it('is paid, recorded once, announced once on payment-topic, and mailed once to the customer within 5 seconds', async () => {
    const customer = uniqueCustomer();
    const placedAt = Date.now();
    const placed = await invoke('order-service', 'order-service', 'POST', 'orders', order(customer), asCustomer(customer.id));

    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'PAID', amount: '50.20', currency: 'EUR', customer });
    const { reference, paymentId } = placed.body as { reference: string; paymentId: string };

    // payment-service holds exactly one payment for it (asked through its own sidecar, like an operator:
    // no other app may read payments, see dapr/config.yaml).
    const payments = await invoke('payment-service', 'payment-service', 'GET', `payments?orderReference=${reference}`);
    expect(payments.status).toBe(200);
    expect(payments.body.items).toHaveLength(1);
    expect(payments.body.items[0]).toMatchObject({ id: paymentId, amount: '50.20', currency: 'EUR', status: 'CONFIRMED' });

    // Exactly one e-mail, to the customer, naming the order and the amount, within 5 s.
    const emails = await eventually(
      'the confirmation e-mail',
      async () => {
        const found = await emailsTo(customer.email);
        return found.length > 0 ? found : undefined;
      },
      5_000,
    );
    expect(Date.now() - placedAt).toBeLessThan(5_000);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.subject).toContain(reference);
    expect(emails[0]!.html).toContain('50.20 EUR');

    // Exactly one CloudEvent for it on payment-topic, keyed by the reference, matching the schema.
    const events = (await readWholeTopic('payment-topic')).filter((m) => m.value?.data?.orderReference === reference);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.key).toBe(reference);
    expect(event!.value).toMatchObject({ specversion: '1.0', type: 'payment.confirmed', source: 'payment-service' });
    expect(validatePaymentConfirmed(event!.value.data)).toEqual([]);
    expect(event!.value.data).toMatchObject({ paymentId, orderReference: reference, amount: '50.20', customer });

    // A moment later, still exactly one e-mail (no late duplicate).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await emailsTo(customer.email)).toHaveLength(1);

    // notification-service recorded the outcome.
    const notifications = await invoke('notification-service', 'notification-service', 'GET', `notifications?orderReference=${reference}`);
    expect(notifications.body.items).toEqual([expect.objectContaining({ status: 'SENT', attempts: 1, paymentId })]);
  });

  it('reads the order back by reference and in the customer\'s list', async () => {
    const customer = uniqueCustomer();
    const placed = await invoke('order-service', 'order-service', 'POST', 'orders', order(customer), asCustomer(customer.id));
    const found = await invoke('order-service', 'order-service', 'GET', `orders/${placed.body.reference}`, undefined, asCustomer(customer.id));
    expect(found.status).toBe(200);
    expect(found.body).toEqual(placed.body);
    const listed = await invoke('order-service', 'order-service', 'GET', 'orders', undefined, asCustomer(customer.id));
    expect(listed.body.items.map((o: { reference: string }) => o.reference)).toEqual([placed.body.reference]);
  });

  it('answers bad input through the sidecar with a 400 problem naming the fields, and records nothing', async () => {
    const customer = uniqueCustomer();
    const bad = { ...order(customer), currency: 'XYZ', items: [{ productId: 'x', name: 'x', quantity: 0, unitPrice: '1.00001' }] }; // more digits than any currency has
    const response = await invoke('order-service', 'order-service', 'POST', 'orders', bad, asCustomer(customer.id));

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'currency',
      'items[0].quantity',
      'items[0].unitPrice',
    ]);
    const listed = await invoke('order-service', 'order-service', 'GET', 'orders', undefined, asCustomer(customer.id));
    expect(listed.body.items).toEqual([]);
  });
});

describe('money and text at the edges, end to end', () => {
  it('carries a KWD "1.234" order through the sidecars exactly: the payment, the payment.confirmed event and the e-mail', async () => {
    const customer = uniqueCustomer();
    const kwdOrder = { ...order(customer), currency: 'KWD', items: [{ productId: 'dinar-1', name: 'Dates', quantity: 1, unitPrice: '1.234' }] };
    const placed = await invoke('order-service', 'order-service', 'POST', 'orders', kwdOrder, asCustomer(customer.id));
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'PAID', amount: '1.234', currency: 'KWD', items: [{ unitPrice: '1.234', lineTotal: '1.234' }] });
    const { reference, paymentId } = placed.body as { reference: string; paymentId: string };

    const payments = await invoke('payment-service', 'payment-service', 'GET', `payments?orderReference=${reference}`);
    expect(payments.body.items).toEqual([expect.objectContaining({ id: paymentId, amount: '1.234', currency: 'KWD' })]);

    const event = await eventually('the payment.confirmed event', async () =>
      (await readWholeTopic('payment-topic')).find((message) => message.value?.data?.orderReference === reference),
    );
    expect(event.value.data).toMatchObject({ amount: '1.234', currency: 'KWD' });
    expect(validatePaymentConfirmed(event.value.data)).toEqual([]);

    const emails = await eventually('the confirmation e-mail', async () => {
      const found = await emailsTo(customer.email);
      return found.length > 0 ? found : undefined;
    });
    expect(emails[0]!.html).toContain('1.234 KWD');
  });

  it('refuses JPY "10.50" through the sidecar with a 400 naming items[0].unitPrice', async () => {
    const customer = uniqueCustomer();
    const jpyOrder = { ...order(customer), currency: 'JPY', items: [{ productId: 'yen-1', name: 'Tea', quantity: 1, unitPrice: '10.50' }] };
    const response = await invoke('order-service', 'order-service', 'POST', 'orders', jpyOrder, asCustomer(customer.id));
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'items[0].unitPrice', message: 'must be a whole number in JPY, which has no minor units' }]);
  });

  it('answers an ill-formed first name through order-service\'s sidecar with 400, and three in a burst do not open the circuit: the next good order is paid', async () => {
    const customer = uniqueCustomer();
    const illFormed = { ...order(customer), customer: { ...customer, firstName: 'Ada\ud800' } };
    const burst = await Promise.all(
      [1, 2, 3].map(() => invoke('order-service', 'order-service', 'POST', 'orders', illFormed, asCustomer(customer.id))),
    );
    expect(burst.map((response) => response.status)).toEqual([400, 400, 400]);
    expect(burst[0]!.body.errors).toEqual([
      { field: 'customer.firstName', message: 'is not well-formed Unicode: it holds a lone surrogate (half of a UTF-16 pair)' },
    ]);

    // payment-service refuses it on its own too (400, never a 500 its callers' sidecars would retry and count).
    const direct = await invoke('payment-service', 'payment-service', 'POST', 'payments', {
      orderReference: `ORD-E2E${Date.now()}`,
      amount: '1.00',
      currency: 'EUR',
      paymentMethod: 'VISA',
      customer: illFormed.customer,
    });
    expect(direct.status).toBe(400);
    expect(direct.body.errors.map((error: { field: string }) => error.field)).toEqual(['customer.firstName']);

    const good = await invoke('order-service', 'order-service', 'POST', 'orders', order(customer), asCustomer(customer.id));
    expect(good.status).toBe(201);
    expect(good.body.status).toBe('PAID');
  });
});
