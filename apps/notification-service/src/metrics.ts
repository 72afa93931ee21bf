// notification-service's metrics, beside the request histogram every service has.
import { Counter, Gauge, createServiceMetrics } from '@orderflow/service-kit';
import type { NotificationRepository } from './domain/notification-repository';
import { NOTIFICATION_STATUSES } from './domain/notification';

export function createNotificationMetrics(notifications: NotificationRepository) {
  const metrics = createServiceMetrics('notification-service');
  const deliveries = new Counter({
    name: 'orderflow_event_deliveries_total',
    help: 'payment.confirmed deliveries by verdict: SUCCESS (recorded or a duplicate), DROP (rejected, dead-lettered), RETRY',
    labelNames: ['verdict'] as const,
    registers: [metrics.registry],
  });
  const emails = new Counter({
    name: 'orderflow_emails_total',
    help:
      'Attempts to send a confirmation e-mail, by result: sent, failed (tried again later), undeliverable (recipient refused), ' +
      'unrenderable (its stored payment cannot make one: nothing sent, not retried; alert on any)',
    labelNames: ['result'] as const,
    registers: [metrics.registry],
  });
  const smtpFailures = new Counter({
    name: 'orderflow_smtp_failures_total',
    help:
      'Failed sends by whom they concern: recipient (permanent), or auth, tls, relay, server, connection, sidecar ' +
      '(every e-mail alike: alert when these grow)',
    labelNames: ['class'] as const,
    registers: [metrics.registry],
  });
  const ambiguousSends = new Counter({
    name: 'orderflow_emails_ambiguous_total',
    help:
      'Sends whose outcome nobody can know, so the e-mail may reach the customer twice: reply-lost (no answer to the ' +
      'final "."), holder-gone (taken over from a holder that died mid-send)',
    labelNames: ['why'] as const,
    registers: [metrics.registry],
  });
  const leasesLost = new Counter({
    name: 'orderflow_email_leases_lost_total',
    help: 'Sends whose lease this instance lost before it could record their outcome (it could not renew in time)',
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
  new Gauge({
    name: 'orderflow_oldest_unsent_email_seconds',
    help: 'Age of the oldest e-mail still owed (PENDING, SENDING or FAILED); alert when it keeps growing',
    registers: [metrics.registry],
    async collect() {
      this.set(await notifications.oldestUnsentAgeSeconds());
    },
  });
  return { ...metrics, deliveries, emails, smtpFailures, ambiguousSends, leasesLost };
}

export type NotificationMetrics = ReturnType<typeof createNotificationMetrics>;
