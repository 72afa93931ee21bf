import { PAYMENT_CONFIRMED_DATASCHEMA, paymentConfirmedSchema, type PaymentRequest } from '@orderflow/contracts';
import { isSameCharge, newPayment, paymentConfirmedEvent } from '../../src/domain/payment';

const request: PaymentRequest = {
  orderReference: 'ORD-1',
  amount: '49.9',
  currency: 'EUR',
  paymentMethod: 'VISA',
  customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
};

describe('a new payment', () => {
  it("is CONFIRMED, with its own id and the amount in the currency's minor units", () => {
    const now = new Date('2026-11-25T10:00:00.000Z');
    const payment = newPayment(request, now);
    expect(payment).toMatchObject({ orderReference: 'ORD-1', amount: '49.90', currency: 'EUR', status: 'CONFIRMED', createdAt: now });
    expect(payment.id).toMatch(/^[\da-f-]{36}$/);
    expect(newPayment(request).id).not.toBe(payment.id);
    expect(newPayment({ ...request, amount: '1000.00', currency: 'JPY' }).amount).toBe('1000');
  });
});

describe('a repeated payment request', () => {
  it('is the same charge when it asks for the same amount and currency, however the amount is written', () => {
    const payment = newPayment(request);
    expect(isSameCharge(payment, { ...request, amount: '49.90' })).toBe(true);
    expect(isSameCharge(payment, { ...request, amount: '49.91' })).toBe(false);
    expect(isSameCharge(payment, { ...request, currency: 'USD' })).toBe(false);
  });
});

describe('the payment.confirmed event of a payment', () => {
  it('is a CloudEvent keyed by the order reference, whose data matches payment.confirmed v1', () => {
    const payment = newPayment(request, new Date('2026-11-25T10:00:00.000Z'));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const event = paymentConfirmedEvent(payment, traceparent);

    expect(event).toMatchObject({ topic: 'payment-topic', partitionKey: 'ORD-1', traceparent });
    expect(event.cloudEvent).toMatchObject({
      specversion: '1.0',
      type: 'payment.confirmed',
      source: 'payment-service',
      subject: 'ORD-1',
      time: '2026-11-25T10:00:00.000Z',
      datacontenttype: 'application/json',
      dataschema: PAYMENT_CONFIRMED_DATASCHEMA,
    });
    expect(paymentConfirmedSchema.parse(event.cloudEvent.data)).toMatchObject({ paymentId: payment.id, amount: '49.90', currency: 'EUR' });
  });

  it('has an id of its own, which every re-publish of it carries', () => {
    const payment = newPayment(request);
    const first = paymentConfirmedEvent(payment);
    expect(first.cloudEvent.id).toMatch(/^[\da-f-]{36}$/);
    expect(paymentConfirmedEvent(payment).cloudEvent.id).not.toBe(first.cloudEvent.id);
  });
});
