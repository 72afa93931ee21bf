// notification-service's metrics, beside the request histogram every service has.
import { Counter, Gauge, createServiceMetrics } from '@orderflow/service-kit';
import type { NotificationRepository } from './domain/notification-repository';
import { NOTIFICATION_STATUSES } from './domain/notification';

export function createNotificationMetrics(notifications: NotificationRepository) {
  const metrics = createServiceMetrics('notification-service');
  const deliveries = new Counter({
    name: 'orderflow_event_deliveries_total',
    help: 'payment.confirmed deliveries by verdict: SUCCESS, RETRY, DROP (dead-lettered)',
    labelNames: ['verdict'] as const,
    registers: [metrics.registry],
  });
  const emails = new Counter({
    name: 'orderflow_emails_total',
    help: 'Confirmation e-mails handed to the SMTP binding, by result: sent, failed',
    labelNames: ['result'] as const,
    registers: [metrics.registry],
  });
  new Gauge({
    name: 'orderflow_notifications',
    help: 'Notifications in the database by status (REJECTED: events that went to the dead-letter topic)',
    labelNames: ['status'] as const,
    registers: [metrics.registry],
    async collect() {
      const counts = await notifications.countByStatus();
      for (const status of NOTIFICATION_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  return { ...metrics, deliveries, emails };
}

export type NotificationMetrics = ReturnType<typeof createNotificationMetrics>;
