// The "invoice" order-service hands to payment-service (POST /payments), and
// what payment-service answers. Both services compile against this one file.
import { z } from 'zod';
import { currencySchema } from './currency';
import { customerSchema } from './customer';
import { positiveMoneySchema } from './money';

export const PAYMENT_METHODS = ['CREDIT_CARD', 'PAYPAL', 'VISA', 'MASTER_CARD', 'BITCOIN'] as const;
export const paymentMethodSchema = z.enum(PAYMENT_METHODS, {
  error: () => `must be one of ${PAYMENT_METHODS.join(', ')}`,
});
export type PaymentMethod = z.infer<typeof paymentMethodSchema>;

export const orderReferenceSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, _ and -');

export const paymentRequestSchema = z.strictObject({
  orderReference: orderReferenceSchema,
  amount: positiveMoneySchema,
  currency: currencySchema,
  paymentMethod: paymentMethodSchema,
  customer: customerSchema,
});
export type PaymentRequest = z.infer<typeof paymentRequestSchema>;

export const PAYMENT_STATUSES = ['CONFIRMED'] as const;

export const paymentSchema = z.strictObject({
  id: z.string(),
  orderReference: orderReferenceSchema,
  amount: z.string(),
  currency: z.string(),
  paymentMethod: paymentMethodSchema,
  status: z.enum(PAYMENT_STATUSES),
  createdAt: z.string(),
});
export type Payment = z.infer<typeof paymentSchema>;
