// The "invoice" order-service hands to payment-service (POST /payments), and
// what payment-service answers. Both services compile against this one file.
import { z } from 'zod';
import { currencySchema } from './currency';
import { customerSchema } from './customer';
import { currencyPrecisionRules, positiveMoneySchema, precisionProblem } from './money';
import { textSchema } from './text';

export const PAYMENT_METHODS = ['CREDIT_CARD', 'PAYPAL', 'VISA', 'MASTER_CARD', 'BITCOIN'] as const;
export const paymentMethodSchema = z.enum(PAYMENT_METHODS, {
  error: () => `must be one of ${PAYMENT_METHODS.join(', ')}`,
});
export type PaymentMethod = z.infer<typeof paymentMethodSchema>;

export const orderReferenceSchema = textSchema({
  minLength: 1,
  maxLength: 64,
  pattern: { regex: /^[A-Za-z0-9_-]+$/, message: 'may contain only letters, digits, _ and -' },
});

/**
 * For an object holding `amount` and `currency`: the amount has no more
 * fraction digits than the currency has minor units (JPY "10.50" is refused),
 * in the code and, as if/then rules, in the JSON Schema and OpenAPI documents.
 */
export function withAmountInCurrency<S extends z.ZodObject>(schema: S): S {
  return schema
    .superRefine((value, ctx) => {
      const { amount, currency } = value as { amount: string; currency: Parameters<typeof precisionProblem>[1] };
      const problem = precisionProblem(amount, currency);
      if (problem) ctx.addIssue({ code: 'custom', path: ['amount'], message: problem, input: amount });
    })
    .meta({ allOf: currencyPrecisionRules('amount', (amount) => ({ properties: { amount } })) }) as S;
}

export const paymentRequestSchema = withAmountInCurrency(
  z.strictObject({
    orderReference: orderReferenceSchema,
    amount: positiveMoneySchema,
    currency: currencySchema,
    paymentMethod: paymentMethodSchema,
    customer: customerSchema,
  }),
);
export type PaymentRequest = z.infer<typeof paymentRequestSchema>;

export const PAYMENT_STATUSES = ['CONFIRMED'] as const;

export const paymentSchema = z.strictObject({
  id: z.string(),
  orderReference: orderReferenceSchema,
  amount: z.string().meta({ description: "Decimal string with exactly the currency's minor units (\"49.90\" EUR, \"1000\" JPY, \"1.234\" KWD)" }),
  currency: z.string(),
  paymentMethod: paymentMethodSchema,
  status: z.enum(PAYMENT_STATUSES),
  createdAt: z.string(),
});
export type Payment = z.infer<typeof paymentSchema>;
