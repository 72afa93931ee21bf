import { z } from 'zod';
import committed from '../schemas/payment.confirmed.v1.schema.json';
import { paymentConfirmedSchema } from '../src/payment-confirmed';
import { validatePaymentConfirmed } from '../../../test-support/event-schema';

const example = {
  paymentId: '0b0d2f5a-8f5c-4c3e-9d1e-7b1f0c2a9e11',
  orderReference: 'ORD-ABC',
  amount: '49.90',
  currency: 'EUR',
  paymentMethod: 'VISA',
  customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  confirmedAt: '2026-11-25T10:00:00.000Z',
};

describe('the payment.confirmed v1 JSON Schema', () => {
  it('is exactly what the zod contract generates (run scripts/generate-contracts.mjs after changing it)', () => {
    expect(committed).toEqual(z.toJSONSchema(paymentConfirmedSchema, { target: 'draft-2020-12' }));
  });

  it('accepts a real event and one with an added field (allowed within v1)', () => {
    expect(validatePaymentConfirmed(example)).toEqual([]);
    expect(validatePaymentConfirmed({ ...example, loyaltyPoints: 12 })).toEqual([]);
  });

  it('refuses an event with a float amount or a missing field', () => {
    expect(validatePaymentConfirmed({ ...example, amount: 49.9 })).not.toEqual([]);
    const { paymentId: _omitted, ...withoutId } = example;
    expect(validatePaymentConfirmed(withoutId)).toEqual(["(root) must have required property 'paymentId'"]);
  });
});
