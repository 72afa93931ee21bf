import type { Migration } from '@orderflow/service-kit';
import { createPayments } from './001-create-payments';
import { outboxTraceContext } from './002-outbox-trace-context';
import { moneyPerCurrency } from './003-money-per-currency';
import { outboxClaims } from './004-outbox-claims';

/** Every migration of the payments database, oldest first. */
export const migrations: readonly Migration[] = [createPayments, outboxTraceContext, moneyPerCurrency, outboxClaims];
