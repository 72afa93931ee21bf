// Builds order-service's HTTP app from its dependencies, without listening:
// start.ts wires the real ones, tests wire a real database and a stub sidecar.
import { createHttpApp, databaseAnswers, type Knex, type Logger } from '@orderflow/service-kit';
import type { PaymentGateway } from './domain/payment-gateway';
import { KnexOrderRepository } from './data/order-repository';
import { orderRoutes } from './http/order-routes';

export interface OrderAppDeps {
  db: Knex;
  payments: PaymentGateway;
  logger: Logger;
  bodyLimit: string;
  appApiToken?: string | undefined;
}

export function buildOrderApp(deps: OrderAppDeps) {
  const orders = new KnexOrderRepository(deps.db);
  return createHttpApp({
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    appApiToken: deps.appApiToken,
    readiness: () => databaseAnswers(deps.db),
    routes: orderRoutes({ orders, payments: deps.payments }),
  });
}
