// The "invoice" order-service hands to payment-service (POST /payments), and
// what payment-service answers. Both services compile against this one file.
import { z } from 'zod';
import { currencySchema } from './currency';
import { customerSchema } from './customer';
import { currencyPrecisionRules, positiveMoneySchema, toleratedPrecisionProblem } from './money';
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
 * The code reads tolerantly (toleratedPrecisionProblem: the previous release's
 * "1000.00" JPY is taken, as "1000"); the documents say what a writer must send.
 */
export function withAmountInCurrency<S extends z.ZodObject>(schema: S): S {
  return schema
    .superRefine((value, ctx) => {
      const { amount, currency } = value as { amount: string; currency: Parameters<typeof toleratedPrecisionProblem>[1] };
      const problem = toleratedPrecisionProblem(amount, currency);
      if (problem) ctx.addIssue({ code: 'custom', path: ['amount'], message: problem, input: amount });
    })
    .meta({ allOf: currencyPrecisionRules('amount', (amount) => ({ properties: { amount } })) }) as S;
}

/**
 * A PaymentRequest without the per-currency rule: an order placed before amounts
 * were checked per currency may hold a JPY "10.50", which a retry sends as "10.5".
 * payment-service takes such an amount only as a retry of that very charge, already
 * recorded (payment-routes.ts); anything else keeps the rule (paymentRequestSchema).
 */
export const paymentRequestOfAnyPrecisionSchema = z.strictObject({
  orderReference: orderReferenceSchema,
  amount: positiveMoneySchema,
  currency: currencySchema,
  paymentMethod: paymentMethodSchema,
  customer: customerSchema,
});

export const paymentRequestSchema = withAmountInCurrency(paymentRequestOfAnyPrecisionSchema);
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
