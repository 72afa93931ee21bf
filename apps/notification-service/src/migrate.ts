// Applies the notifications database's migrations and exits (the Kubernetes Job runs this).
import { createLogger, runMigrationCommand } from '@orderflow/service-kit';
import { loadNotificationServiceConfig } from './config';
import { migrations } from './data/migrations';

const config = loadNotificationServiceConfig();
const logger = createLogger('notification-service', config.LOG_LEVEL);
runMigrationCommand({ log: (message) => logger.info(message), databaseUrl: config.DATABASE_URL, applicationName: config.OTEL_SERVICE_NAME, migrations });
