// order-service as its HTTP tests build it: a real database, the real payment
// client, and a stub sidecar standing in for payment-service.
import { SidecarClient, type Knex } from '@orderflow/service-kit';
import { buildOrderApp, type OrderAppDeps } from '../../src/app';
import { DaprPaymentClient } from '../../src/sidecar/payment-client';
import { testLogger } from '../../../../test-support/logger';

export function paymentClientFor(sidecarPort: number, timeoutMs = 1_000) {
  return new DaprPaymentClient(new SidecarClient({ host: '127.0.0.1', port: sidecarPort }), {
    appId: 'payment-service',
    timeoutMs,
    logger: testLogger,
  });
}

export function buildTestOrderApp(db: Knex, sidecarPort: number, overrides: Partial<OrderAppDeps> = {}) {
  return buildOrderApp({
    db,
    payments: paymentClientFor(sidecarPort),
    logger: testLogger,
    bodyLimit: '64kb',
    idempotencyKeyTtlMs: 60_000,
    paymentGraceMs: 30_000,
    ordersPerCustomerPerMinute: 10_000,
    sweep: { batchSize: 100, concurrency: 4, leaseMs: 30_000 },
    ...overrides,
  });
}
