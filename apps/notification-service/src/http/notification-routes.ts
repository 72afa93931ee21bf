import { parseInput } from '@orderflow/service-kit';
import type { Router } from 'express';
import type { z } from 'zod';
import type { Notification } from '../domain/notification';
import type { NotificationRepository } from '../domain/notification-repository';
import { listNotificationsQuerySchema, rearmRequestSchema, type notificationViewSchema } from './notification-schemas';

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
