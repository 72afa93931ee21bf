// What notification-service's routes accept and answer.
import { orderReferenceSchema } from '@orderflow/contracts';
import { z } from 'zod';
import { FAILURE_CLASSES, NOTIFICATION_STATUSES } from '../domain/notification';

export const listNotificationsQuerySchema = z.strictObject({ orderReference: orderReferenceSchema });

/** Which UNDELIVERABLE e-mails an operator re-arms: one order's, or every one. */
export const rearmRequestSchema = z.union([
  z.strictObject({ orderReference: orderReferenceSchema }),
  z.strictObject({ all: z.literal(true) }),
]);

export const rearmAnswerSchema = z.object({ rearmed: z.int().meta({ description: 'How many e-mails are due again' }) });

export const notificationViewSchema = z.object({
  id: z.string(),
  eventId: z.string(),
  paymentId: z.string().nullable(),
  orderReference: z.string().nullable(),
  recipient: z.string().nullable(),
  subject: z.string().nullable(),
  status: z.enum(NOTIFICATION_STATUSES),
  attempts: z.int(),
  lastError: z.string().nullable(),
  failureClass: z.enum(FAILURE_CLASSES).nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

/** What the sidecar delivers: a CloudEvent, i.e. a JSON object; its content is read by the route and judged by the use case. */
export const deliverySchema = z.looseObject({}).meta({ description: 'A CloudEvent 1.0 (structured mode)' });

/** The verdict for the sidecar (http/event-routes.ts): SUCCESS, or DROP to the dead-letter topic. */
export const deliveryVerdictSchema = z.object({ status: z.enum(['SUCCESS', 'DROP']) });

/** The cron binding's tick (http/dispatch-routes.ts): how many sends are in flight. */
export const dispatchTickAnswerSchema = z.object({ sending: z.int() });
