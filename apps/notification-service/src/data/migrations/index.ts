import type { Migration } from '@orderflow/service-kit';
import { createNotifications } from './001-create-notifications';
import { undeliverableStatus } from './002-undeliverable-status';
import { dispatchFromTable } from './003-dispatch-from-table';

/** Every migration of the notifications database, oldest first. */
export const migrations: readonly Migration[] = [createNotifications, undeliverableStatus, dispatchFromTable];
