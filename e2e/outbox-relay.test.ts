// payment-service's periodic work on the real parts: the outbox relay is ticked
// by the Dapr cron binding `outbox-relay` (components/outbox-relay.yaml), not by
// a timer in the app. An event whose publish failed (Kafka hung longer than the
// relay waits for one publish) stays in the outbox; with no payment after it to
// wake the relay, only the sidecar's tick gets it out. Without the component
// this test fails: the outbox never drains.
import { PUBLISH_DEADLINE_MS } from '../apps/payment-service/src/sidecar/event-publisher';
import { whileFrozen } from './support/faults';
import { readWholeTopic } from './support/kafka';
import { theOneEmailTo } from './support/maildev';
import { appUrl, eventually, http, invoke, uniqueCustomer } from './support/stack';
import { asCustomer } from './support/tokens';

jest.setTimeout(180_000);

/** How long payment-service waits for one publish, and a little more. */
const LONGER_THAN_A_PUBLISH_WAIT_MS = PUBLISH_DEADLINE_MS + 5_000;

/** Events recorded in payment-service's outbox and not yet accepted by its sidecar (its own gauge). */
async function unpublishedEvents(): Promise<number> {
  const text = String((await http('GET', `${appUrl('payment-service')}/metrics`)).body);
  const found = /^orderflow_outbox_unpublished_events\{[^}]*\} (\d+)$/m.exec(text);
  if (!found) throw new Error('payment-service shows no orderflow_outbox_unpublished_events');
  return Number(found[1]);
}

describe('an event left in the outbox', () => {
  it('is published on a tick of the cron binding, with no payment after it to wake the relay, and mailed once', async () => {
    const customer = uniqueCustomer();
    let reference = '';

    await whileFrozen('kafka', async () => {
      const placed = await invoke(
        'order-service',
        'order-service',
        'POST',
        'orders',
        {
          customer,
          items: [{ productId: 'mug-2', name: 'Mug', quantity: 2, unitPrice: '8.50' }],
          currency: 'EUR',
          paymentMethod: 'VISA',
        },
        asCustomer(customer.id),
      );
      expect(placed.status).toBe(201);
      expect(placed.body.status).toBe('PAID');
      reference = placed.body.reference;
      // The run the payment woke gives up on the publish and hands the event back to the outbox.
      await new Promise((resolve) => setTimeout(resolve, LONGER_THAN_A_PUBLISH_WAIT_MS));
      expect(await unpublishedEvents()).toBeGreaterThan(0);
    });

    // No order from here on: nothing wakes the relay but the sidecar's tick.
    await eventually('the outbox drained by a tick', async () => ((await unpublishedEvents()) === 0 ? true : undefined), 60_000);
    const email = await theOneEmailTo(customer.email, 'the e-mail', 30_000);
    expect(email.subject).toContain(reference);
    // Published again after a failed attempt, still under its one CloudEvent id.
    const events = (await readWholeTopic('payment-topic')).filter((m) => m.value?.data?.orderReference === reference);
    expect(new Set(events.map((e) => e.value.id)).size).toBe(1);
  });
});
