// How every service starts and stops: config → logger → database (migrated) →
// sidecar client → the service's own wiring → listen; on SIGTERM: stop taking
// requests, let in-flight ones finish, stop the service's background work,
// close the database pool.
import type express from 'express';
import { ConfigError } from './config';
import { createDatabase, migrate, type Knex, type Migration } from './database';
import { closeServer, listen, runService } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { SidecarClient } from './sidecar';

/** The settings every service has (commonEnv in config.ts). */
export interface CommonConfig {
  APP_PORT: number;
  APP_HOST: string;
  DAPR_HTTP_PORT: number;
  DAPR_HOST: string;
  DAPR_API_TOKEN?: string | undefined;
  DATABASE_URL: string;
  DATABASE_POOL_MAX: number;
  MIGRATE_ON_START: boolean;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
}

export interface ServiceRuntime<C> {
  config: C;
  logger: Logger;
  db: Knex;
  sidecar: SidecarClient;
}

export interface ServiceWiring {
  app: express.Express;
  /** Starts the service's background work, once the app is listening. */
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
    createLogger(options.service).fatal(`${options.service} cannot start: ${message}`);
    process.exit(1);
  }
  const logger = createLogger(options.service, config.LOG_LEVEL);
  runService({
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    async start() {
      const db = createDatabase(config.DATABASE_URL, config.DATABASE_POOL_MAX);
      if (config.MIGRATE_ON_START) {
        const applied = await migrate(db, options.migrations);
        if (applied.length) logger.info({ applied }, 'migrations applied');
      }
      const sidecar = new SidecarClient({ host: config.DAPR_HOST, port: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN });
      const wiring = await options.wire({ config, logger, db, sidecar });
      const server = await listen(wiring.app, config.APP_HOST, config.APP_PORT);
      logger.info({ host: config.APP_HOST, port: config.APP_PORT, sidecar: sidecar.baseUrl }, `${options.service} listening`);
      wiring.started?.();
      return async () => {
        await closeServer(server);
        await wiring.stopBackgroundWork?.();
        sidecar.close();
        await db.destroy();
      };
    },
  });
}
