// payment-service: config → database (migrated) → app → listen → the outbox
// relay runs once the sidecar answers (then on every tick of the cron binding
// `outbox-relay`, and at once after each payment). On SIGTERM: stop taking
// requests, stop the relay (it hands back what it claimed and did not publish), exit.
import { startHttpService } from '@orderflow/service-kit';
import { buildPaymentApp } from './app';
import { loadPaymentServiceConfig } from './config';
import { migrations } from './data/migrations';
import { DaprEventPublisher, PUBLISH_DEADLINE_MS } from './sidecar/event-publisher';

startHttpService({
  service: 'payment-service',
  loadConfig: loadPaymentServiceConfig,
  migrations,
  wire: ({ config, logger, db, sidecar }) => {
    const { app, relay } = buildPaymentApp({
      db,
      publisher: new DaprEventPublisher(sidecar, config.PUBSUB_NAME),
      relay: { batchSize: config.OUTBOX_BATCH_SIZE, leaseMs: config.OUTBOX_CLAIM_LEASE_MS, publishDeadlineMs: PUBLISH_DEADLINE_MS },
      logger,
      bodyLimit: config.BODY_LIMIT,
      appApiToken: config.APP_API_TOKEN,
    });
    return {
      app,
      started: () => {
        relay.start();
        void relay.wake(); // what waits in the outbox goes out now, not at the first tick
      },
      stopBackgroundWork: () => relay.stop(),
    };
  },
});
