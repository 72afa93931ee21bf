// order-service's metrics, beside the request histogram every service has.
// A scrape must stay cheap however many orders there are: what happens to orders
// is counted as it happens (counters kept in this process), and the one gauge
// read from the database counts pending orders through their partial index.
// (There is no gauge of every order by status: that was a count over the whole
// table on every scrape; rate(orderflow_orders_placed_total) tells the same story.)
import { Counter, Gauge, createServiceMetrics } from '@orderflow/service-kit';
import type { OrderRepository } from './domain/order-repository';

export function createOrderMetrics(orders: OrderRepository) {
  const metrics = createServiceMetrics('order-service');
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
