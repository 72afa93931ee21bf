// order-service as its HTTP tests build it: a real database, the real payment
// client, a stub sidecar standing in for payment-service, and requests made
// the way its own sidecar relays them (with the app token).
import { DaprSidecar, type Knex } from '@orderflow/service-kit';
import type express from 'express';
import { buildOrderApp, buildOrderApps, type OrderAppDeps } from '../../src/app';
import { InvalidToken } from '../../src/auth/customer-token-verifier';
import { DaprPaymentClient } from '../../src/sidecar/payment-client';
import { testLogger } from '../../../../test-support/logger';
import { TEST_APP_TOKEN, viaSidecar } from '../../../../test-support/via-sidecar';

/** The app id the tests' app trusts as a service (SERVICE_CALLERS). */
export const TRUSTED_SERVICE = 'python-client';

export function paymentClientFor(sidecarPort: number, timeoutMs = 1_000) {
  return new DaprPaymentClient(new DaprSidecar({ host: '127.0.0.1', port: sidecarPort }), {
    appId: 'payment-service',
    timeoutMs,
    logger: testLogger,
  });
}

function testDeps(db: Knex, sidecarPort: number, overrides: Partial<OrderAppDeps>): OrderAppDeps {
  return {
    db,
    payments: paymentClientFor(sidecarPort),
    logger: testLogger,
    bodyLimit: '64kb',
    appApiToken: TEST_APP_TOKEN,
    idempotencyKeyTtlMs: 60_000,
    paymentGraceMs: 30_000,
    ordersPerCustomerPerMinute: 10_000,
    sweep: { batchSize: 100, concurrency: 4, leaseMs: 30_000 },
    // No issuer unless the test brings one (test/support/test-issuer.ts): every token is refused.
    authentication: {
      mode: 'jwt',
      verifier: {
        customerIdOf: async () => {
          throw new InvalidToken('this test app checks no tokens');
        },
      },
    },
    serviceCallers: [TRUSTED_SERVICE],
    ...overrides,
  };
}

export function buildTestOrderApp(db: Knex, sidecarPort: number, overrides: Partial<OrderAppDeps> = {}) {
  return buildOrderApp(testDeps(db, sidecarPort, overrides));
}

/** Both apps: the app channel and the public listener. */
export function buildTestOrderApps(db: Knex, sidecarPort: number, overrides: Partial<OrderAppDeps> = {}) {
  return buildOrderApps(testDeps(db, sidecarPort, { publicListener: { trustedProxyCount: 0, requestsPerClientAddressPerMinute: 10_000 }, ...overrides }));
}


/** Requests from a trusted service, as our sidecar relays them (the caller's sidecar names its app id). */
export const asService = (app: express.Express, appId = TRUSTED_SERVICE) => viaSidecar(app).set('dapr-caller-app-id', appId);

/** Requests from a customer with this bearer token, as our sidecar relays them. */
export const asCustomer = (app: express.Express, token: string) => viaSidecar(app).set('authorization', `Bearer ${token}`);

/** payment-service as the stub sidecar plays it: confirms whatever it is asked to charge. */
export const confirmingPayments = (call: { body: unknown }) => {
  const body = call.body as { orderReference: string; amount: string; currency: string; paymentMethod: string };
  return {
    status: 201,
    body: {
      id: '0b0d2f5a-8f5c-4c3e-9d1e-7b1f0c2a9e11',
      orderReference: body.orderReference,
      amount: body.amount,
      currency: body.currency,
      paymentMethod: body.paymentMethod,
      status: 'CONFIRMED',
      createdAt: new Date().toISOString(),
    },
  };
};

export { TEST_APP_TOKEN, viaSidecar };
