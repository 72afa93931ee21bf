// What payment-service's routes accept and answer, beside the payment request
// and the payment themselves (packages/contracts: order-service sends and reads them too).
import { orderReferenceSchema } from '@orderflow/contracts';
import { z } from 'zod';

export const paymentIdParamSchema = z.strictObject({ id: z.uuid('is not a payment id') });
export const listPaymentsQuerySchema = z.strictObject({ orderReference: orderReferenceSchema });

/** The cron binding's tick (http/relay-routes.ts): a run started, or one was already going. */
export const relayTickAnswerSchema = z.union([z.object({ relaying: z.literal(true) }), z.object({ skipped: z.string() })]);
