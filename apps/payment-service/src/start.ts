// payment-service: config → database (migrated) → app → listen → outbox relay (once the sidecar answers).
// SIGTERM: stop taking requests, stop the relay (it releases what it claimed and did not publish), exit.
import { BackgroundLoop, startHttpService } from '@orderflow/service-kit';
import { buildPaymentApp } from './app';
import { loadPaymentServiceConfig } from './config';
import { migrations } from './data/migrations';
import { KnexPaymentRepository } from './data/payment-repository';
import { relayOutbox } from './domain/relay-outbox';
import { createPaymentMetrics } from './metrics';
import { DaprEventPublisher, PUBLISH_DEADLINE_MS } from './sidecar/event-publisher';

startHttpService({
  service: 'payment-service',
  loadConfig: loadPaymentServiceConfig,
  migrations,
  wire: ({ config, logger, db, sidecar }) => {
    const payments = new KnexPaymentRepository(db);
    const publisher = new DaprEventPublisher(sidecar, config.PUBSUB_NAME);
    const metrics = createPaymentMetrics(payments);
    const relay = new BackgroundLoop(
      'outbox-relay',
      config.OUTBOX_POLL_INTERVAL_MS,
      async (signal) => {
        const published = await relayOutbox(payments, publisher, {
          batchSize: config.OUTBOX_BATCH_SIZE,
          leaseMs: config.OUTBOX_CLAIM_LEASE_MS,
          publishDeadlineMs: PUBLISH_DEADLINE_MS,
          signal,
        });
        metrics.eventsPublished.inc(published);
        if (published > 0) logger.debug({ published }, 'outbox events published');
      },
      logger,
    );
    const app = buildPaymentApp({
      db,
      payments,
      metrics,
      onPaymentRecorded: () => relay.kick(),
      logger,
      bodyLimit: config.BODY_LIMIT,
      appApiToken: config.APP_API_TOKEN,
    });
    return { app, started: () => relay.start(), stopBackgroundWork: () => relay.stop() };
  },
});
