import { orderReferenceSchema } from '@orderflow/contracts';
import { parseInput } from '@orderflow/service-kit';
import type { Router } from 'express';
import { z } from 'zod';
import { NOTIFICATION_STATUSES, type Notification } from '../domain/notification';
import type { NotificationRepository } from '../domain/notification-repository';

export const listNotificationsQuerySchema = z.strictObject({ orderReference: orderReferenceSchema });

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
    createdAt: notification.createdAt.toISOString(),
    sentAt: notification.sentAt?.toISOString() ?? null,
  };
}

export function notificationRoutes(deps: { notifications: NotificationRepository }) {
  return (router: Router) => {
    router.get('/notifications', async (req, res) => {
      const { orderReference } = parseInput(listNotificationsQuerySchema, req.query);
      const notifications = await deps.notifications.listByOrderReference(orderReference);
      res.json({ items: notifications.map(notificationView) });
    });
  };
}
