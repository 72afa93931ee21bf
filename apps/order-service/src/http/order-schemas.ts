// What POST /orders and GET /orders accept. Unknown fields are refused, so a
// typo ("quantitiy") is an error instead of a silently ignored value.
import {
  currencyPrecisionRules,
  currencySchema,
  customerIdSchema,
  customerSchema,
  paymentMethodSchema,
  precisionProblem,
  safeTextSchema,
  textSchema,
  unitPriceSchema,
} from '@orderflow/contracts';
import { z } from 'zod';
import { ORDER_STATUSES } from '../domain/order';

export const orderLineSchema = z.strictObject({
  productId: textSchema({
    minLength: 1,
    maxLength: 64,
    pattern: { regex: /^[A-Za-z0-9._:-]+$/, message: 'may contain only letters, digits and . _ : -' },
  }),
  name: safeTextSchema(200),
  quantity: z.int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
  unitPrice: unitPriceSchema,
});

export const placeOrderSchema = z
  .strictObject({
    customer: customerSchema,
    items: z.array(orderLineSchema).min(1, 'must hold at least one item').max(100, 'must hold at most 100 items'),
    currency: currencySchema,
    paymentMethod: paymentMethodSchema,
  })
  // Each unit price has no more fraction digits than the order's currency (JPY "10.50" is refused).
  .superRefine((order, ctx) => {
    order.items.forEach((item, index) => {
      const problem = precisionProblem(item.unitPrice, order.currency);
      if (problem) ctx.addIssue({ code: 'custom', path: ['items', index, 'unitPrice'], message: problem });
    });
  })
  .meta({
    allOf: currencyPrecisionRules('unitPrice', (unitPrice) => ({ properties: { items: { items: { properties: { unitPrice } } } } })),
  });

export const orderReferenceParamSchema = z.strictObject({
  reference: textSchema({ maxLength: 64, pattern: { regex: /^ORD-[0-9A-Z]{16}$/, message: 'is not an order reference' } }),
});

export const listOrdersQuerySchema = z.strictObject({
  customerId: customerIdSchema
    .optional()
    .meta({ description: "A customer sees only their own orders (leave it out, or give their own id); a service names the customer" }),
  limit: z.coerce.number().int('must be a whole number').min(1).max(100).default(20),
  cursor: textSchema({ maxLength: 64, pattern: { regex: /^[1-9][0-9]{0,17}$/, message: 'is not a cursor this API returned' } })
    .optional()
    .meta({ description: 'nextCursor from the previous page' }),
});

/** A client-chosen key (a UUID is a good choice): printable ASCII, at most 200 characters. */
export const idempotencyHeaderSchema = z.object({
  'Idempotency-Key': textSchema({
    minLength: 1,
    maxLength: 200,
    pattern: { regex: /^[\x21-\x7e]+$/, message: 'may contain only printable ASCII without spaces' },
  })
    .optional()
    .meta({ description: 'Repeat a request safely: the same key and body return the original answer (kept 24 h)' }),
});

// What the API answers.
export const orderLineViewSchema = z.object({
  productId: z.string(),
  name: z.string(),
  quantity: z.int(),
  unitPrice: z.string(),
  lineTotal: z.string(),
});

export const orderViewSchema = z.object({
  reference: z.string(),
  status: z.enum(ORDER_STATUSES),
  amount: z.string().meta({ description: "Decimal string with exactly the currency's minor units (\"49.90\" EUR, \"1000\" JPY, \"1.234\" KWD)" }),
  currency: z.string(),
  paymentMethod: paymentMethodSchema,
  paymentId: z.string().nullable(),
  items: z.array(orderLineViewSchema),
  customer: z.object({ id: z.string(), firstName: z.string(), lastName: z.string(), email: z.string() }),
  createdAt: z.string(),
});

export const pendingOrderViewSchema = orderViewSchema.extend({
  status: z.literal('PAYMENT_PENDING'),
  message: z.string().meta({ description: 'A sentence for the customer' }),
});

export const orderPageSchema = z.object({ items: z.array(orderViewSchema), nextCursor: z.string().nullable() });

/** The cron binding's tick (http/sweep-routes.ts): what the sweep did, or that the previous one still runs. */
export const sweepReportSchema = z.union([
  z.object({ tried: z.int(), paid: z.int(), stillPending: z.int(), rejected: z.int(), leaseLost: z.int() }),
  z.object({ skipped: z.string() }),
]);
