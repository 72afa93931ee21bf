// Builds order-service's HTTP app from its dependencies, without listening:
// start.ts wires the real ones, tests wire a real database and a stub sidecar.
import { createHttpApp, databaseAnswers, type Knex, type Logger } from '@orderflow/service-kit';
import type { PaymentGateway } from './domain/payment-gateway';
import { KnexOrderRepository } from './data/order-repository';
import { orderRoutes } from './http/order-routes';
import { sweepRoutes } from './http/sweep-routes';
import type { SweepOptions } from './domain/retry-pending-payments';
import { createOrderMetrics } from './metrics';
import { CustomerRateLimit } from './http/customer-rate-limit';
import { orderServiceOpenApi } from './http/openapi';

export interface OrderAppDeps {
  db: Knex;
  payments: PaymentGateway;
  logger: Logger;
  bodyLimit: string;
  appApiToken?: string | undefined;
  idempotencyKeyTtlMs: number;
  /** How long the sweep leaves a new order to the request that placed it. */
  paymentGraceMs: number;
  sweep: SweepOptions;
  ordersPerCustomerPerMinute: number;
}

export function buildOrderApp(deps: OrderAppDeps) {
  const orders = new KnexOrderRepository(deps.db);
  const metrics = createOrderMetrics(orders);
  return createHttpApp({
    metrics,
    openApi: orderServiceOpenApi,
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    appApiToken: deps.appApiToken,
    readiness: () => databaseAnswers(deps.db),
    routes: (router) => {
      orderRoutes({
        orders,
        payments: deps.payments,
        idempotencyKeyTtlMs: deps.idempotencyKeyTtlMs,
        paymentGraceMs: deps.paymentGraceMs,
        metrics,
        rateLimit: new CustomerRateLimit(deps.ordersPerCustomerPerMinute),
      })(router);
      sweepRoutes({ orders, payments: deps.payments, sweep: deps.sweep, logger: deps.logger, metrics })(router);
    },
  });
}
