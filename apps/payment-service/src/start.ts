// payment-service: config → database (migrated) → outbox relay → app → listen.
// SIGTERM: stop taking requests, let the relay finish its batch, exit.
import {
  BackgroundLoop,
  closeServer,
  createDatabase,
  createLogger,
  listen,
  migrate,
  runService,
  SidecarClient,
} from '@orderflow/service-kit';
import { buildPaymentApp } from './app';
import { loadPaymentServiceConfig } from './config';
import { migrations } from './data/migrations';
import { KnexPaymentRepository } from './data/payment-repository';
import { relayOutbox } from './domain/relay-outbox';
import { DaprEventPublisher } from './sidecar/event-publisher';
import { createPaymentMetrics } from './metrics';

const SERVICE = 'payment-service';
const bootLogger = createLogger(SERVICE);

runService({
  logger: bootLogger,
  shutdownTimeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000),
  async start() {
    const config = loadPaymentServiceConfig();
    const logger = createLogger(SERVICE, config.LOG_LEVEL);
    const db = createDatabase(config.DATABASE_URL, config.DATABASE_POOL_MAX);
    if (config.MIGRATE_ON_START) {
      const applied = await migrate(db, migrations);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
    const sidecar = new SidecarClient({ host: config.DAPR_HOST, port: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN });
    const payments = new KnexPaymentRepository(db);
    const publisher = new DaprEventPublisher(sidecar, config.PUBSUB_NAME);
    const metrics = createPaymentMetrics(payments);
    const relay = new BackgroundLoop(
      'outbox-relay',
      config.OUTBOX_POLL_INTERVAL_MS,
      async () => {
        const published = await relayOutbox(payments, publisher, config.OUTBOX_BATCH_SIZE);
        metrics.eventsPublished.inc(published);
        if (published > 0) logger.debug({ published }, 'outbox events published');
      },
      logger,
    );
    relay.start();

    const app = buildPaymentApp({
      db,
      payments,
      metrics,
      onPaymentRecorded: () => relay.kick(),
      logger,
      bodyLimit: config.BODY_LIMIT,
      appApiToken: config.APP_API_TOKEN,
    });
    const server = await listen(app, config.APP_HOST, config.APP_PORT);
    logger.info({ host: config.APP_HOST, port: config.APP_PORT, sidecar: sidecar.baseUrl }, 'payment-service listening');

    return async () => {
      await closeServer(server);
      await relay.stop();
      await db.destroy();
    };
  },
});
