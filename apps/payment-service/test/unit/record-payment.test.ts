import type { PaymentRequest } from '@orderflow/contracts';
import { AppError } from '@orderflow/service-kit/errors';
import { newPayment, paymentConfirmedEvent, type OutboxEvent, type Payment } from '../../src/domain/payment';
import type { PaymentRepository } from '../../src/domain/payment-repository';
import { legacyChargeRepeated, recordPayment } from '../../src/domain/record-payment';

const request: PaymentRequest = {
  orderReference: 'ORD-1',
  amount: '49.90',
  currency: 'EUR',
  paymentMethod: 'VISA',
  customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
};

/** Payments in memory, one per order reference, as the Knex repository keeps them. */
function memoryPayments(): PaymentRepository & { events: OutboxEvent[] } {
  const byReference = new Map<string, Payment>();
  const events: OutboxEvent[] = [];
  return {
    events,
    async recordOnce(payment, event) {
      const existing = byReference.get(payment.orderReference);
      if (existing) return { payment: existing, created: false };
      byReference.set(payment.orderReference, payment);
      events.push(event);
      return { payment, created: true };
    },
    async findById(id) {
      return [...byReference.values()].find((payment) => payment.id === id);
    },
    async findByOrderReference(orderReference) {
      const payment = byReference.get(orderReference);
      return payment ? [payment] : [];
    },
  };
}

describe('recording a payment', () => {
  it('records the payment with its payment.confirmed event, in the trace of the request', async () => {
    const payments = memoryPayments();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { payment, created } = await recordPayment(request, payments, { traceparent });

    expect(created).toBe(true);
    expect(payments.events).toHaveLength(1);
    expect(payments.events[0]).toMatchObject({ partitionKey: 'ORD-1', traceparent, cloudEvent: { data: { paymentId: payment.id } } });
  });

  it('when the same request comes again, then it answers the payment already recorded, and records no second event', async () => {
    const payments = memoryPayments();
    const first = await recordPayment(request, payments);
    const again = await recordPayment({ ...request, amount: '49.9' }, payments);

    expect(again).toEqual({ payment: first.payment, created: false });
    expect(payments.events).toHaveLength(1);
  });

  it('when the same order comes with another amount or currency, then it is a conflict, never a second charge', async () => {
    const payments = memoryPayments();
    await recordPayment(request, payments);

    for (const other of [{ ...request, amount: '1.00' }, { ...request, currency: 'USD' as const }]) {
      const refused = await recordPayment(other, payments).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ kind: 'conflict', status: 409, message: expect.stringContaining('already charged 49.90 EUR') });
    }
    expect(payments.events).toHaveLength(1);
  });
});

describe('a retry of a charge made before amounts were checked per currency', () => {
  const legacy = { ...request, orderReference: 'ORD-JPY', amount: '10.5', currency: 'JPY' as const };
  /** The previous release recorded JPY "10.50" as it came (read back as "10.5"). */
  const recordedLegacy = async () => {
    const payments = memoryPayments();
    const payment: Payment = { ...newPayment(request), orderReference: 'ORD-JPY', amount: '10.5', currency: 'JPY' };
    await payments.recordOnce(payment, paymentConfirmedEvent(payment));
    return payments;
  };

  it('is answered with the payment recorded when, and only when, that very charge is recorded', async () => {
    const payments = await recordedLegacy();
    expect(await legacyChargeRepeated(legacy, payments)).toMatchObject({ orderReference: 'ORD-JPY', amount: '10.5', currency: 'JPY' });
    expect(await legacyChargeRepeated({ ...legacy, amount: '10.25' }, payments)).toBeUndefined();
    expect(await legacyChargeRepeated({ ...legacy, orderReference: 'ORD-OTHER' }, payments)).toBeUndefined();
  });

  it('is not a way around the rules for anything else: a request refused for another reason stays refused', async () => {
    const payments = await recordedLegacy();
    expect(await legacyChargeRepeated({ ...legacy, paymentMethod: 'CHEQUE' }, payments)).toBeUndefined();
    expect(await legacyChargeRepeated('not an object', payments)).toBeUndefined();
    // An amount within the rule is no legacy case: the ordinary path answers it.
    expect(await legacyChargeRepeated({ ...legacy, amount: '10' }, payments)).toBeUndefined();
  });
});
