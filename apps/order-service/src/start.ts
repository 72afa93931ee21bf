// order-service: config → database (migrated) → apps → listen; SIGTERM drains.
import { startHttpService } from '@orderflow/service-kit';
import { buildOrderApps } from './app';
import { jwtCustomerTokenVerifier } from './auth/customer-token-verifier';
import { loadOrderServiceConfig } from './config';
import { migrations } from './data/migrations';
import type { CustomerAuthentication } from './http/caller';
import { DaprPaymentClient } from './sidecar/payment-client';

startHttpService({
  service: 'order-service',
  loadConfig: loadOrderServiceConfig,
  migrations,
  wire: ({ config, logger, db, sidecar }) => {
    const payments = new DaprPaymentClient(sidecar, {
      appId: config.PAYMENT_APP_ID,
      timeoutMs: config.PAYMENT_CALL_TIMEOUT_MS,
      logger,
    });
    const { auth } = config;
    let authentication: CustomerAuthentication;
    if (auth.mode === 'jwt') {
      authentication = { mode: 'jwt', verifier: jwtCustomerTokenVerifier(auth) };
      logger.info({ issuer: auth.issuer, audience: auth.audience, jwksUri: auth.jwksUri, algorithms: auth.algorithms }, 'customers: bearer tokens');
    } else {
      authentication = { mode: 'insecure-no-auth' };
      logger.warn(
        'AUTH_INSECURE_NO_AUTH=true: NO AUTHENTICATION. Any caller can name any customer (X-Customer-Id) and read or place their orders. Development only.',
      );
    }
    const publicPort = config.PUBLIC_PORT;
    const { app, publicApp } = buildOrderApps({
      db,
      payments,
      logger,
      bodyLimit: config.BODY_LIMIT,
      // startHttpService refuses to start without it.
      appApiToken: config.APP_API_TOKEN ?? '',
      idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
      paymentGraceMs: config.PAYMENT_GRACE_MS,
      ordersPerCustomerPerMinute: config.ORDERS_PER_CUSTOMER_PER_MINUTE,
      sweep: {
        batchSize: config.PAYMENT_SWEEP_BATCH_SIZE,
        concurrency: config.PAYMENT_SWEEP_CONCURRENCY,
        leaseMs: config.PAYMENT_SWEEP_LEASE_MS,
      },
      authentication,
      serviceCallers: config.SERVICE_CALLERS,
      publicListener:
        publicPort === undefined
          ? undefined
          : { trustedProxyCount: config.TRUSTED_PROXY_COUNT, requestsPerClientAddressPerMinute: config.REQUESTS_PER_CLIENT_ADDRESS_PER_MINUTE },
    });
    return {
      app,
      publicListener: publicApp && publicPort !== undefined ? { app: publicApp, host: config.PUBLIC_HOST, port: publicPort } : undefined,
    };
  },
});
