// Builds order-service's HTTP apps from their dependencies, without listening:
// start.ts wires the real ones; the HTTP tests build them over a real PostgreSQL,
// with test-support/stub-sidecar.ts answering as the sidecar (order-test-app.ts).
//
// Two apps over the same repository, metrics and rate limits:
// - the app channel, which only our Dapr sidecar calls (every request but the
//   probes and /metrics carries APP_API_TOKEN): the order routes for customers
//   (bearer token) and trusted services (their Dapr identity), and the retry
//   sweep the sidecar's cron binding triggers;
// - the public listener (when configured), for customers who do not come
//   through Dapr (behind an Ingress): the order routes and the probes, nothing
//   else, customers only, each client address with its own quota.
import { createHttpApp, databaseAnswers, type Knex, type Logger } from '@orderflow/service-kit';
import type express from 'express';
import type { PaymentGateway } from './domain/payment-gateway';
import { KnexOrderRepository } from './data/order-repository';
import { orderRoutes } from './http/order-routes';
import { SWEEP_ROUTE, sweepRoutes } from './http/sweep-routes';
import type { SweepOptions } from './domain/retry-pending-payments';
import { createOrderMetrics } from './metrics';
import { RateLimit } from './http/rate-limit';
import { orderServiceOpenApi, orderServicePublicOpenApi } from './http/openapi';
import type { CustomerAuthentication } from './http/caller';

export interface OrderAppDeps {
  db: Knex;
  payments: PaymentGateway;
  logger: Logger;
  bodyLimit: string;
  /** What our sidecar presents; every app-channel request but the probes must carry it. */
  appApiToken: string;
  idempotencyKeyTtlMs: number;
  /** How long the sweep leaves a new order to the request that placed it. */
  paymentGraceMs: number;
  sweep: SweepOptions;
  ordersPerCustomerPerMinute: number;
  authentication: CustomerAuthentication;
  /** Dapr app ids trusted as services (SERVICE_CALLERS). */
  serviceCallers: readonly string[];
  /** The public listener, when there is one. */
  publicListener?: { trustedProxyCount: number; requestsPerClientAddressPerMinute: number } | undefined;
}

export function buildOrderApps(deps: OrderAppDeps): { app: express.Express; publicApp: express.Express | undefined } {
  if (!deps.appApiToken) throw new Error('order-service needs the APP_API_TOKEN its sidecar presents');
  const orders = new KnexOrderRepository(deps.db);
  const metrics = createOrderMetrics(orders);
  const shared = {
    orders,
    payments: deps.payments,
    idempotencyKeyTtlMs: deps.idempotencyKeyTtlMs,
    paymentGraceMs: deps.paymentGraceMs,
    metrics,
    // One quota per customer, whichever way they come in.
    customerRateLimit: new RateLimit(deps.ordersPerCustomerPerMinute),
  };
  const readiness = () => databaseAnswers(deps.db);

  const app = createHttpApp({
    metrics,
    openApi: orderServiceOpenApi,
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    appApiToken: deps.appApiToken,
    readiness,
    tickRoutes: [SWEEP_ROUTE],
    routes: (router) => {
      orderRoutes({
        ...shared,
        callers: { authentication: deps.authentication, serviceCallers: deps.serviceCallers, trustsDaprHeaders: true },
      })(router);
      sweepRoutes({ orders, payments: deps.payments, sweep: deps.sweep, logger: deps.logger, metrics })(router);
    },
  });

  const { publicListener } = deps;
  const publicApp =
    publicListener &&
    createHttpApp({
      metrics,
      servesOperations: false,
      openApi: orderServicePublicOpenApi,
      logger: deps.logger,
      bodyLimit: deps.bodyLimit,
      trustedProxyCount: publicListener.trustedProxyCount,
      readiness,
      routes: orderRoutes({
        ...shared,
        addressRateLimit: new RateLimit(publicListener.requestsPerClientAddressPerMinute),
        // Nobody here came through our sidecar: no Dapr header is believed, so no service role.
        callers: { authentication: deps.authentication, serviceCallers: [], trustsDaprHeaders: false },
      }),
    });
  return { app, publicApp };
}

/** The app channel alone (what most tests need). */
export function buildOrderApp(deps: OrderAppDeps): express.Express {
  return buildOrderApps(deps).app;
}
