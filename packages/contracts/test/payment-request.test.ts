import { currencySchema } from '../src/currency';
import { customerSchema } from '../src/customer';
import { paymentRequestSchema } from '../src/payment-request';

const customer = { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };

describe('the PaymentRequest contract', () => {
  it('accepts a well-formed request', () => {
    const request = { orderReference: 'ORD-1', amount: '49.90', currency: 'EUR', paymentMethod: 'VISA', customer };
    expect(paymentRequestSchema.parse(request)).toEqual(request);
  });

  it('refuses unknown fields instead of ignoring them', () => {
    const result = paymentRequestSchema.safeParse({
      orderReference: 'ORD-1',
      amount: '49.90',
      currency: 'EUR',
      paymentMethod: 'VISA',
      customer,
      discount: '5.00',
    });
    expect(result.success).toBe(false);
  });

  it('knows ISO 4217 codes and refuses made-up ones', () => {
    expect(currencySchema.safeParse('EUR').success).toBe(true);
    expect(currencySchema.safeParse('JPY').success).toBe(true);
    expect(currencySchema.safeParse('XYZ').success).toBe(false);
    expect(currencySchema.safeParse('eur').success).toBe(false);
  });

  it('refuses line breaks in names and e-mail addresses (header injection)', () => {
    expect(customerSchema.safeParse({ ...customer, firstName: 'Ada\r\nBcc: victim@example.com' }).success).toBe(false);
    expect(customerSchema.safeParse({ ...customer, email: 'ada@example.com\r\nBcc: x@example.com' }).success).toBe(false);
    expect(customerSchema.safeParse({ ...customer, email: 'not-an-address' }).success).toBe(false);
  });
});
