// payment-service's metrics, beside the request histogram every service has.
import { Counter, Gauge, createServiceMetrics } from '@orderflow/service-kit';
import type { Outbox } from './domain/payment-repository';

export function createPaymentMetrics(outbox: Outbox) {
  const metrics = createServiceMetrics('payment-service');
  const paymentsRecorded = new Counter({
    name: 'orderflow_payments_total',
    help: 'POST /payments answers: created (a new payment), repeated (the same request again), conflict',
    labelNames: ['result'] as const,
    registers: [metrics.registry],
  });
  const eventsPublished = new Counter({
    name: 'orderflow_outbox_events_published_total',
    help: 'Events the outbox relay handed to the sidecar',
    registers: [metrics.registry],
  });
  new Gauge({
    name: 'orderflow_outbox_unpublished_events',
    help: 'Events recorded but not yet accepted by the sidecar',
    registers: [metrics.registry],
    async collect() {
      this.set((await outbox.lag()).unpublished);
    },
  });
  new Gauge({
    name: 'orderflow_outbox_lag_seconds',
    help: 'Age of the oldest event not yet published (0 when none waits)',
    registers: [metrics.registry],
    async collect() {
      this.set((await outbox.lag()).oldestAgeSeconds);
    },
  });
  return { ...metrics, paymentsRecorded, eventsPublished };
}

export type PaymentMetrics = ReturnType<typeof createPaymentMetrics>;
