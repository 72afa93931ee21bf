import type { Migration } from '@orderflow/service-kit';
import { createPayments } from './001-create-payments';
import { outboxTraceContext } from './002-outbox-trace-context';

/** Every migration of the payments database, oldest first. */
export const migrations: readonly Migration[] = [createPayments, outboxTraceContext];
