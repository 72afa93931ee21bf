// Never freeze, never lose, never duplicate — proven with real faults on the
// real system: payment-service hung, Kafka hung, an event that cannot be processed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { whileFrozen } from './support/faults';
import { readWholeTopic } from './support/kafka';
import { emailsTo, theOneEmailTo } from './support/maildev';
import { eventually, invoke, publishUnprocessableEvent, uniqueCustomer } from './support/stack';
import { asCustomer } from './support/tokens';

jest.setTimeout(180_000);

const orderFor = (customer: ReturnType<typeof uniqueCustomer>) => ({
  customer,
  items: [{ productId: 'lamp-3', name: 'Desk lamp', quantity: 1, unitPrice: '39.00' }],
  currency: 'EUR',
  paymentMethod: 'MASTER_CARD',
});

const run = promisify(execFile);
/** The operator's dead-letter tool, as `npm run dead-letters -- …` runs it. */
const deadLetters = async (...args: string[]) =>
  (await run(process.execPath, [path.resolve(__dirname, '../scripts/dead-letters.mjs'), ...args], { env: process.env })).stdout;

/** An order's status, as its customer reads it. */
const orderStatus = async ({ reference, customerId }: { reference: string; customerId: string }) =>
  (await invoke('order-service', 'order-service', 'GET', `orders/${reference}`, undefined, asCustomer(customerId))).body.status as string;

describe('when payment-service hangs', () => {
  it('orders are still saved and answered at once with 202, then paid automatically once it is back, with exactly one e-mail each', async () => {
    const customers = Array.from({ length: 8 }, () => uniqueCustomer());
    const answers: { status: number; body: any; ms: number }[] = [];

    await whileFrozen('payment-service', async () => {
      for (const customer of customers) {
        const started = Date.now();
        const response = await invoke('order-service', 'order-service', 'POST', 'orders', orderFor(customer), asCustomer(customer.id));
        answers.push({ ...response, ms: Date.now() - started });
      }
    });

    // Nobody waited on a frozen call: every order is saved and the customer is told.
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body.status).toBe('PAYMENT_PENDING');
      expect(answer.body.message).toMatch(/saved/);
      expect(answer.ms).toBeLessThan(5_000);
    }
    // Once the circuit opened, answers stopped waiting for the timeout at all.
    expect(Math.min(...answers.slice(-3).map((a) => a.ms))).toBeLessThan(1_000);

    // payment-service is back: the sweep (cron binding) pays every pending order.
    const references = answers.map((a) => a.body.reference as string);
    const orders = answers.map((a) => ({ reference: a.body.reference as string, customerId: a.body.customer.id as string }));
    await eventually(
      'every pending order PAID',
      async () => ((await Promise.all(orders.map(orderStatus))).every((s) => s === 'PAID') ? true : undefined),
      90_000,
    );

    // Exactly one payment per order, and exactly one e-mail per customer.
    for (const [index, reference] of references.entries()) {
      const payments = await invoke('payment-service', 'payment-service', 'GET', `payments?orderReference=${reference}`);
      expect(payments.body.items).toHaveLength(1);
      await eventually('the e-mail', async () => ((await emailsTo(customers[index]!.email)).length > 0 ? true : undefined), 15_000);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const customer of customers) expect(await emailsTo(customer.email)).toHaveLength(1);
  });
});

describe('when Kafka hangs', () => {
  it('payments still succeed, and their events go out once Kafka is back, each exactly once', async () => {
    const customer = uniqueCustomer();
    let reference = '';

    await whileFrozen('kafka', async () => {
      const placed = await invoke('order-service', 'order-service', 'POST', 'orders', orderFor(customer), asCustomer(customer.id));
      expect(placed.status).toBe(201);
      expect(placed.body.status).toBe('PAID');
      reference = placed.body.reference;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await emailsTo(customer.email)).toHaveLength(0);
    });

    const email = await theOneEmailTo(customer.email, 'the e-mail after Kafka came back', 90_000);
    expect(email.subject).toContain(reference);
    const events = (await readWholeTopic('payment-topic')).filter((m) => m.value?.data?.orderReference === reference);
    expect(new Set(events.map((e) => e.value.id)).size).toBe(1);
  });
});

describe('an event that can never be processed', () => {
  it('is recorded as REJECTED, sent to the dead-letter topic, and does not hold up the events behind it', async () => {
    const orderReference = `ORD-POISON${Date.now()}`;
    const { id: poisonId } = await publishUnprocessableEvent('e2e-poison', orderReference);

    const rejected = await eventually('the REJECTED notification', async () => {
      const listed = await invoke('notification-service', 'notification-service', 'GET', `notifications?orderReference=${orderReference}`);
      return listed.body.items?.[0]?.status === 'REJECTED' ? listed.body.items[0] : undefined;
    });
    expect(rejected.eventId).toBe(poisonId);
    expect(rejected.lastError).toMatch(/data\.amount/);

    await eventually('the event on payment-topic-dlq', async () => {
      const dead = await readWholeTopic('payment-topic-dlq');
      return dead.some((m) => m.value?.id === poisonId) ? true : undefined;
    });

    // The operator sees it, and can put it back on payment-topic (it is rejected, and dead-lettered, again).
    const listed = JSON.parse(await deadLetters('list', '--json')) as { id: string; replayed: boolean }[];
    expect(listed.filter((letter) => letter.id === poisonId)).toHaveLength(1);
    expect(await deadLetters('replay', '--id', poisonId)).toContain(`replayed ${poisonId}`);
    await eventually('the replayed event handled again', async () => {
      const again = await invoke('notification-service', 'notification-service', 'GET', `notifications?orderReference=${orderReference}`);
      return again.body.items[0].attempts > rejected.attempts ? true : undefined;
    });

    // What comes after it keeps flowing: the next order is mailed as usual.
    const customer = uniqueCustomer();
    const placed = await invoke('order-service', 'order-service', 'POST', 'orders', orderFor(customer), asCustomer(customer.id));
    expect(placed.status).toBe(201);
    await eventually('the next e-mail', async () => ((await emailsTo(customer.email)).length === 1 ? true : undefined));
  });
});
