import { createOrder, type Order } from '../../src/domain/order';
import { outcomeOf, PAYMENT_PENDING_MESSAGE } from '../../src/domain/order-outcome';

const order: Order = createOrder({
  customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  currency: 'EUR',
  paymentMethod: 'VISA',
  items: [{ productId: 'p-1', name: 'Pen', quantity: 1, unitPrice: '1.00' }],
});

describe("an order's outcome, as the customer is told it", () => {
  it('is "paid" for a PAID order', () => {
    const paid = { ...order, status: 'PAID' as const, paymentId: 'pay-1' };
    expect(outcomeOf(paid)).toEqual({ outcome: 'paid', order: paid });
  });

  it('is "payment pending", with the message for the customer, for a PAYMENT_PENDING order', () => {
    expect(outcomeOf(order)).toEqual({ outcome: 'payment_pending', order, message: PAYMENT_PENDING_MESSAGE });
  });

  it("is \"payment rejected\", with payment-service's reason, for a PAYMENT_REJECTED order", () => {
    const rejected = { ...order, status: 'PAYMENT_REJECTED' as const, paymentError: 'card refused' };
    expect(outcomeOf(rejected)).toEqual({ outcome: 'payment_rejected', order: rejected, reason: 'card refused' });
  });
});
