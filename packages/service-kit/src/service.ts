// How every service starts and stops: config → logger → database (migrated) →
// sidecar (Dapr's SDK) → the service's own wiring → listen → the sidecar
// answers → background work starts; on SIGTERM: stop taking
// requests, let in-flight ones finish, stop the service's background work,
// close the database pool. No app starts without its APP_API_TOKEN: the port its
// sidecar calls answers nobody else.
import type express from 'express';
import { ConfigError } from './config';
import { createDatabase, migrate, type Knex, type Migration } from './database';
import { closeServer, listen, runService } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { DaprSidecar } from './dapr-sidecar';

/** The settings every service has (commonEnv in config.ts). */
export interface CommonConfig {
  APP_PORT: number;
  APP_HOST: string;
  DAPR_HTTP_PORT: number;
  DAPR_HOST: string;
  DAPR_API_TOKEN?: string | undefined;
  APP_API_TOKEN?: string | undefined;
  DATABASE_URL: string;
  DATABASE_POOL_MAX: number;
  MIGRATE_ON_START: boolean;
  OTEL_SERVICE_NAME?: string | undefined;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
}

export interface ServiceRuntime<C> {
  config: C;
  logger: Logger;
  db: Knex;
  sidecar: DaprSidecar;
}

export interface ServiceWiring {
  /** What the sidecar calls (APP_HOST:APP_PORT). */
  app: express.Express;
  /**
   * A second listener for clients that do not come through Dapr (order-service's
   * public API behind an Ingress): it serves only what it is built with.
   */
  publicListener?: { app: express.Express; host: string; port: number } | undefined;
  /** Starts the service's background work, once the app is listening and its sidecar answers. */
  started?: () => void;
  /** Stops the service's background work; called after the server stopped taking requests. */
  stopBackgroundWork?: () => Promise<void>;
}

export function startHttpService<C extends CommonConfig>(options: {
  service: string;
  loadConfig: () => C;
  migrations: readonly Migration[];
  wire: (runtime: ServiceRuntime<C>) => ServiceWiring | Promise<ServiceWiring>;
}): void {
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : String(error);
    cannotStart(options.service, message);
  }
  if (!config.APP_API_TOKEN) {
    cannotStart(
      options.service,
      'APP_API_TOKEN is not set. The app answers only its Dapr sidecar, which presents this token ' +
        '(dapr-api-token); give the sidecar and the app the same value (npm start does; the Helm chart does from a Secret)',
    );
  }
  const logger = createLogger(options.service, config.LOG_LEVEL);
  runService({
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    async start() {
      const db = createDatabase(config.DATABASE_URL, config.DATABASE_POOL_MAX, config.OTEL_SERVICE_NAME);
      if (config.MIGRATE_ON_START) {
        const applied = await migrate(db, options.migrations);
        if (applied.length) logger.info({ applied }, 'migrations applied');
      }
      const sidecar = new DaprSidecar({ host: config.DAPR_HOST, port: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN, logger });
      const wiring = await options.wire({ config, logger, db, sidecar });
      const server = await listen(wiring.app, config.APP_HOST, config.APP_PORT);
      logger.info({ host: config.APP_HOST, port: config.APP_PORT, sidecar: sidecar.baseUrl }, `${options.service} listening`);
      const { publicListener } = wiring;
      const publicServer = publicListener && (await listen(publicListener.app, publicListener.host, publicListener.port));
      if (publicListener) logger.info({ host: publicListener.host, port: publicListener.port }, `${options.service} public API listening`);
      // Listening first: the sidecar may wait for the app before it answers. Background work waits for the
      // sidecar, however long it takes (the public API serves reads from the database meanwhile).
      await sidecar.waitUntilReady({
        onStillWaiting: (waitedMs) => logger.warn({ sidecar: sidecar.baseUrl, waitedMs }, 'the Dapr sidecar does not answer yet; still waiting'),
      });
      logger.info({ sidecar: sidecar.baseUrl }, 'sidecar ready');
      wiring.started?.();
      return async () => {
        await Promise.all([closeServer(server), publicServer && closeServer(publicServer)]);
        await wiring.stopBackgroundWork?.();
        await sidecar.close();
        await db.destroy();
      };
    },
  });
}

/**
 * Ends a service that cannot start: first the plain message on stderr, its
 * lines as they are, for the human at the terminal or in `kubectl logs` (the
 * JSON log line escapes a line break as "\n"), then the fatal JSON line for
 * the log pipeline.
 */
function cannotStart(service: string, message: string): never {
  process.stderr.write(`${service} cannot start: ${message}\n`);
  createLogger(service).fatal(`${service} cannot start: ${message}`);
  process.exit(1);
}
