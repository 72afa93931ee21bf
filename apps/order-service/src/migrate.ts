// Applies the orders database's migrations and exits (the Kubernetes Job runs this).
import { createLogger, runMigrationCommand } from '@orderflow/service-kit';
import { loadOrderServiceConfig } from './config';
import { migrations } from './data/migrations';

const config = loadOrderServiceConfig();
const logger = createLogger('order-service', config.LOG_LEVEL);
runMigrationCommand({ log: (message) => logger.info(message), databaseUrl: config.DATABASE_URL, applicationName: config.OTEL_SERVICE_NAME, migrations });
