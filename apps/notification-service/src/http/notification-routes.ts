import { orderReferenceSchema } from '@orderflow/contracts';
import { parseInput } from '@orderflow/service-kit';
import type { Router } from 'express';
import { z } from 'zod';
import type { Notification } from '../domain/notification';
import type { NotificationRepository } from '../domain/notification-repository';

const listNotificationsQuerySchema = z.strictObject({ orderReference: orderReferenceSchema });

export function notificationView(notification: Notification) {
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
