import { createOrder, newOrderReference, paymentRequestFor } from '../../src/domain/order';

const customer = { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };

describe('an order', () => {
  it('totals its lines exactly', () => {
    const order = createOrder({
      customer,
      currency: 'EUR',
      paymentMethod: 'VISA',
      items: [
        { productId: 'p-1', name: 'Pen', quantity: 3, unitPrice: '0.10' },
        { productId: 'p-2', name: 'Ink', quantity: 1, unitPrice: '0.20' },
      ],
    });
    expect(order.items.map((item) => item.lineTotal)).toEqual(['0.30', '0.20']);
    expect(order.amount).toBe('0.50');
    expect(order.status).toBe('PAYMENT_PENDING');
  });

  it('gets a fresh, readable reference every time', () => {
    const references = new Set(Array.from({ length: 1000 }, newOrderReference));
    expect(references.size).toBe(1000);
    for (const reference of references) expect(reference).toMatch(/^ORD-[0-9A-HJKMNP-TV-Z]{16}$/);
  });

  it('hands payment-service the amount, currency, method and customer of the order', () => {
    const order = createOrder({
      customer,
      currency: 'CHF',
      paymentMethod: 'PAYPAL',
      items: [{ productId: 'p-1', name: 'Book', quantity: 2, unitPrice: '24.95' }],
    });
    expect(paymentRequestFor(order)).toEqual({
      orderReference: order.reference,
      amount: '49.90',
      currency: 'CHF',
      paymentMethod: 'PAYPAL',
      customer,
    });
  });
});
