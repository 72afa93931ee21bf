// order-service's metrics, beside the request histogram every service has.
import { Counter, Gauge, createServiceMetrics } from '@orderflow/service-kit';
import type { OrderRepository } from './domain/order-repository';
import { ORDER_STATUSES } from './domain/order';

export function createOrderMetrics(orders: OrderRepository) {
  const metrics = createServiceMetrics('order-service');
  new Gauge({
    name: 'orderflow_orders',
    help: 'Orders in the database, by status',
    labelNames: ['status'] as const,
    registers: [metrics.registry],
    async collect() {
      const counts = await orders.countByStatus();
      for (const status of ORDER_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  new Gauge({
    name: 'orderflow_payment_pending_backlog',
    help: 'Orders saved while payment was unavailable and not charged yet',
    registers: [metrics.registry],
    async collect() {
      this.set(await orders.countPendingPayments());
    },
  });
  const ordersPlaced = new Counter({
    name: 'orderflow_orders_placed_total',
    help: 'POST /orders answers by outcome: paid, payment_pending, payment_rejected, repeated (Idempotency-Key)',
    labelNames: ['outcome'] as const,
    registers: [metrics.registry],
  });
  const sweptOrders = new Counter({
    name: 'orderflow_payment_retries_total',
    help: 'Pending orders the retry sweep tried, by result: paid, still_pending, rejected, lease_lost (answered after its lease ran out; not recorded)',
    labelNames: ['result'] as const,
    registers: [metrics.registry],
  });
  return { ...metrics, ordersPlaced, sweptOrders };
}

export type OrderMetrics = ReturnType<typeof createOrderMetrics>;
