// Builds payment-service's HTTP app from its dependencies, without listening.
import { createHttpApp, databaseAnswers, type Knex, type Logger } from '@orderflow/service-kit';
import type { Outbox, PaymentRepository } from './domain/payment-repository';
import { paymentRoutes } from './http/payment-routes';
import type { PaymentMetrics } from './metrics';
import { paymentServiceAsyncApi } from './http/asyncapi';
import { paymentServiceOpenApi } from './http/openapi';

export interface PaymentAppDeps {
  db: Knex;
  payments: PaymentRepository & Outbox;
  metrics: PaymentMetrics;
  onPaymentRecorded: () => void;
  logger: Logger;
  bodyLimit: string;
  appApiToken?: string | undefined;
}

export function buildPaymentApp(deps: PaymentAppDeps) {
  return createHttpApp({
    metrics: deps.metrics,
    openApi: paymentServiceOpenApi,
    asyncApi: paymentServiceAsyncApi,
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    appApiToken: deps.appApiToken,
    readiness: () => databaseAnswers(deps.db),
    routes: paymentRoutes({ payments: deps.payments, onPaymentRecorded: deps.onPaymentRecorded, metrics: deps.metrics }),
  });
}
