// What POST /orders and GET /orders accept. Unknown fields are refused, so a
// typo ("quantitiy") is an error instead of a silently ignored value.
import { currencySchema, customerIdSchema, customerSchema, paymentMethodSchema, positiveMoneySchema } from '@orderflow/contracts';
import { z } from 'zod';

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export const orderLineSchema = z.strictObject({
  productId: z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits and . _ : -'),
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .refine((value) => !CONTROL_CHARACTERS.test(value), { message: 'must not contain control characters' }),
  quantity: z.int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
  unitPrice: positiveMoneySchema,
});

export const placeOrderSchema = z.strictObject({
  customer: customerSchema,
  items: z.array(orderLineSchema).min(1, 'must hold at least one item').max(100, 'must hold at most 100 items'),
  currency: currencySchema,
  paymentMethod: paymentMethodSchema,
});

export const orderReferenceParamSchema = z.strictObject({
  reference: z.string().regex(/^ORD-[0-9A-Z]{16}$/, 'is not an order reference'),
});

export const listOrdersQuerySchema = z.strictObject({
  customerId: customerIdSchema.optional(),
  limit: z.coerce.number().int('must be a whole number').min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

/** A client-chosen key (a UUID is a good choice): printable ASCII, at most 200 characters. */
export const idempotencyKeySchema = z.object({
  'Idempotency-Key': z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .regex(/^[\x21-\x7e]+$/, 'may contain only printable ASCII without spaces'),
});
