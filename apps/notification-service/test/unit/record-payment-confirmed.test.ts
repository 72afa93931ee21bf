// The use case takes what the route read of the envelope (contracts' readCloudEvent)
// and answers in its own words; Dapr's SUCCESS/DROP are the route's business.
import { PAYMENT_CONFIRMED_EVENT_TYPE, paymentConfirmedSchema, readCloudEvent } from '@orderflow/contracts';
import type { NewNotification, NotificationRepository } from '../../src/domain/notification-repository';
import { recordPaymentConfirmed } from '../../src/domain/record-payment-confirmed';

const data = {
  paymentId: 'pay-1',
  orderReference: 'ORD-1',
  amount: '49.90',
  currency: 'EUR',
  paymentMethod: 'VISA',
  customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  confirmedAt: '2026-11-25T10:00:00.000Z',
};
const read = (delivery: object) => readCloudEvent(delivery, PAYMENT_CONFIRMED_EVENT_TYPE, paymentConfirmedSchema);

function memoryNotifications() {
  const recorded: NewNotification[] = [];
  const rejected: { eventId: string; orderReference: string | null; reason: string }[] = [];
  const repository: Pick<NotificationRepository, 'record' | 'recordRejected'> = {
    async record(notification) {
      if (recorded.some((earlier) => earlier.eventId === notification.eventId || earlier.paymentId === notification.paymentId)) return 'duplicate';
      recorded.push(notification);
      return 'recorded';
    },
    async recordRejected(rejection) {
      rejected.push(rejection);
    },
  };
  return { notifications: repository as NotificationRepository, recorded, rejected };
}

describe('taking a payment.confirmed delivery', () => {
  it('records the e-mail owed once: a redelivery is a duplicate', async () => {
    const store = memoryNotifications();
    const reading = read({ id: 'evt-1', type: 'payment.confirmed', data });

    expect(await recordPaymentConfirmed(reading, store, { traceParent: undefined })).toEqual({ kind: 'recorded', orderReference: 'ORD-1' });
    expect(await recordPaymentConfirmed(reading, store)).toEqual({ kind: 'duplicate', orderReference: 'ORD-1' });
    expect(store.recorded).toMatchObject([{ eventId: 'evt-1', paymentId: 'pay-1', recipient: 'ada@example.com' }]);
  });

  it('rejects an event of another type, with the reason, and records the rejection', async () => {
    const store = memoryNotifications();
    const delivery = { id: 'evt-2', type: 'order.placed', data };
    const reason = 'not a payment.confirmed event (type "order.placed")';

    expect(await recordPaymentConfirmed(read(delivery), store)).toEqual({ kind: 'rejected', reason });
    expect(store.rejected).toEqual([{ eventId: 'evt-2', orderReference: null, reason, payload: delivery }]);
    expect(store.recorded).toEqual([]);
  });

  it('rejects data that does not match payment.confirmed v1, naming each bad field, under its order reference', async () => {
    const store = memoryNotifications();
    const outcome = await recordPaymentConfirmed(read({ id: 'evt-3', type: 'payment.confirmed', data: { ...data, amount: 'free' } }), store);

    expect(outcome).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/^does not match payment\.confirmed v1: data\.amount /) });
    expect(store.rejected).toMatchObject([{ eventId: 'evt-3', orderReference: 'ORD-1' }]);
  });
});
