import { orderReferenceSchema } from '@orderflow/contracts';
import { parseInput } from '@orderflow/service-kit';
import type { Router } from 'express';
import { z } from 'zod';
import { FAILURE_CLASSES, NOTIFICATION_STATUSES, type Notification } from '../domain/notification';
import type { NotificationRepository } from '../domain/notification-repository';

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

export function notificationView(notification: Notification): z.infer<typeof notificationViewSchema> {
  return {
    id: notification.id,
    eventId: notification.eventId,
    paymentId: notification.paymentId,
    orderReference: notification.orderReference,
    recipient: notification.recipient,
    subject: notification.subject,
    status: notification.status,
    attempts: notification.attempts,
    lastError: notification.lastError,
    failureClass: notification.failureClass,
    nextAttemptAt: notification.nextAttemptAt?.toISOString() ?? null,
    createdAt: notification.createdAt.toISOString(),
    sentAt: notification.sentAt?.toISOString() ?? null,
  };
}

export function notificationRoutes(deps: { notifications: NotificationRepository; emailOwed: () => void }) {
  return (router: Router) => {
    // The operator's answer to a recipient refused for good that is not (a
    // mailbox restored, a server's refusal that was wrong): send it again.
    // `npm run notifications -- rearm` calls it through this service's own sidecar.
    router.post('/notifications/rearm', async (req, res) => {
      const which = parseInput(rearmRequestSchema, req.body);
      const rearmed = await deps.notifications.rearmUndeliverable(which);
      if (rearmed > 0) deps.emailOwed();
      res.locals.log.warn({ ...which, rearmed }, 'undeliverable e-mails re-armed by an operator');
      res.json({ rearmed });
    });

    router.get('/notifications', async (req, res) => {
      const { orderReference } = parseInput(listNotificationsQuerySchema, req.query);
      const notifications = await deps.notifications.listByOrderReference(orderReference);
      res.json({ items: notifications.map(notificationView) });
    });
  };
}
