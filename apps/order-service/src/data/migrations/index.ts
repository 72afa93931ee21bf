import type { Migration } from '@orderflow/service-kit';
import { createOrders } from './001-create-orders';
import { createIdempotencyKeys } from './002-idempotency-keys';
import { orderPagesById } from './003-order-pages-by-id';
import { paymentLeases } from './004-payment-leases';
import { moneyPerCurrency } from './005-money-per-currency';

/** Every migration of the orders database, oldest first. */
export const migrations: readonly Migration[] = [createOrders, createIdempotencyKeys, orderPagesById, paymentLeases, moneyPerCurrency];
