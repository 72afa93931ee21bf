// Builds payment-service's HTTP app and its outbox relay from their
// dependencies, without listening or publishing: the relay is built paused,
// start.ts wires the real ones and starts the relay once the sidecar answers;
// the HTTP tests build it over a real PostgreSQL, with test-support/stub-sidecar.ts
// answering as the sidecar (payment-test-app.ts).
import { createHttpApp, databaseAnswers, type Knex, type Logger } from '@orderflow/service-kit';
import { KnexPaymentRepository } from './data/payment-repository';
import type { EventPublisher } from './domain/event-publisher';
import { OutboxRelay, type RelayObserver, type RelayOptions } from './domain/relay-outbox';
import { paymentServiceAsyncApi } from './http/asyncapi';
import { paymentServiceOpenApi } from './http/openapi';
import { paymentRoutes } from './http/payment-routes';
import { RELAY_ROUTE, relayRoutes } from './http/relay-routes';
import { createPaymentMetrics, type PaymentMetrics } from './metrics';

export interface PaymentAppDeps {
  db: Knex;
  publisher: EventPublisher;
  relay: Omit<RelayOptions, 'signal'>;
  logger: Logger;
  bodyLimit: string;
  appApiToken?: string | undefined;
}

/** What the relay reports, as metrics and log lines. */
function relayObserver(metrics: PaymentMetrics, logger: Logger): RelayObserver {
  return {
    published: (count) => {
      metrics.eventsPublished.inc(count);
      logger.debug({ published: count }, 'outbox events published');
    },
    error: (error) => logger.error({ err: error }, 'outbox relay run failed; the next tick tries again'),
  };
}

export function buildPaymentApp(deps: PaymentAppDeps) {
  const payments = new KnexPaymentRepository(deps.db);
  const metrics = createPaymentMetrics(payments);
  const relay = new OutboxRelay({ outbox: payments, publisher: deps.publisher, observer: relayObserver(metrics, deps.logger), log: deps.logger }, deps.relay);
  const app = createHttpApp({
    metrics,
    openApi: paymentServiceOpenApi,
    asyncApi: paymentServiceAsyncApi,
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    appApiToken: deps.appApiToken,
    readiness: () => databaseAnswers(deps.db),
    tickRoutes: [RELAY_ROUTE],
    routes: (router) => {
      paymentRoutes({ payments, onPaymentRecorded: () => void relay.wake(), metrics })(router);
      relayRoutes({ relay })(router);
    },
  });
  return { app, relay };
}
