// Applies the orders database's migrations and exits (the chart's migration Job
// runs this): it reads DATABASE_URL and LOG_LEVEL only.
import { runMigrationCommand } from '@orderflow/service-kit';
import { migrations } from './data/migrations';

void runMigrationCommand({ service: 'order-service', migrations });
