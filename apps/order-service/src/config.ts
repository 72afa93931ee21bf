import { commonEnv, configError, loadConfig, positiveInt, type ConfigProblem } from '@orderflow/service-kit';
import { z } from 'zod';
import type { TokenVerifierSettings } from './auth/customer-token-verifier';

/** Signature algorithms a customer token may use: asymmetric only (never `none`, never a shared HMAC secret). */
export const ACCEPTED_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const configShape = {
  ...commonEnv({
    appPort: 3001,
    daprHttpPort: 3501,
    // Development default only: the local cluster's dev password (tools/devstack/pieces/postgres.mjs).
    databaseUrl: 'postgres://orders_service:orders-dev-password@127.0.0.1:5432/orderflow_orders',
  }),
  /** The Dapr app-id of payment-service, resolved by the sidecar. */
  PAYMENT_APP_ID: z.string().default('payment-service'),
  /**
   * The longest one payment call can take: this process gives up then. The
   * sidecar's resiliency (dapr/resiliency.yaml: 1 s timeout, one retry) answers
   * first, in about 2.2 s at worst.
   */
  PAYMENT_CALL_TIMEOUT_MS: positiveInt(5_000),
  /**
   * How long the sweep leaves a new order to the request that placed it (and a
   * repeat of its Idempotency-Key answers 409): after it, the request can no
   * longer be running, so a sweep charges the order if that request died, and
   * a repeat answers the order's state. Longer than PAYMENT_CALL_TIMEOUT_MS.
   */
  PAYMENT_GRACE_MS: positiveInt(30_000),
  /** How long an Idempotency-Key on POST /orders is remembered (then it may be reused). */
  IDEMPOTENCY_KEY_TTL_HOURS: positiveInt(24),
  /**
   * Pending orders one retry sweep tries at most, how many at once, and how
   * long each claim lasts (longer than PAYMENT_CALL_TIMEOUT_MS: a lease that runs
   * out while its call is still running lets another sweep try the same order).
   */
  PAYMENT_SWEEP_BATCH_SIZE: positiveInt(100),
  PAYMENT_SWEEP_CONCURRENCY: positiveInt(8),
  PAYMENT_SWEEP_LEASE_MS: positiveInt(30_000),
  /** Orders one customer may place per minute (per replica); more answer 429 with Retry-After. */
  ORDERS_PER_CUSTOMER_PER_MINUTE: positiveInt(60),
  /**
   * Requests to the public listener's order routes from one client address per
   * minute (per replica), counted before the token is checked: a flood of bad
   * tokens from one address is cut off before it costs signature checks.
   */
  REQUESTS_PER_CLIENT_ADDRESS_PER_MINUTE: positiveInt(600),

  // Customers: OAuth 2 / OpenID Connect bearer tokens (JWT), checked against the issuer's keys.
  /** The issuer (`iss`) every token must name, e.g. https://login.example.com/realms/shop. */
  AUTH_ISSUER: z.string().url().optional(),
  /** The audience (`aud`) every token must name: this API. */
  AUTH_AUDIENCE: z.string().min(1).optional(),
  /** Where the issuer publishes its public keys (JWKS); https, or http on loopback only. */
  AUTH_JWKS_URI: z.string().url().optional(),
  /** Accepted signature algorithms (comma-separated), asymmetric only. */
  AUTH_ALGORITHMS: commaList('RS256,ES256').pipe(z.array(z.enum(ACCEPTED_TOKEN_ALGORITHMS, 'is not an accepted algorithm (asymmetric only, never none or HS*)')).min(1)),
  /** Leeway for exp and nbf against the issuer's clock. */
  AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** The claim that holds the customer id. */
  AUTH_CUSTOMER_CLAIM: z.string().min(1).default('sub'),
  /** A fetched key set is used this long before it is fetched again. */
  AUTH_JWKS_CACHE_MAX_AGE_MS: positiveInt(600_000),
  /** After a fetch, an unknown key id waits this long before the next one (a stream of forged kids cannot hammer the issuer). */
  AUTH_JWKS_COOLDOWN_MS: positiveInt(30_000),
  /**
   * DEVELOPMENT ONLY: no token is checked and the caller names the customer in
   * X-Customer-Id. Anyone can then read and place any customer's orders.
   */
  AUTH_INSECURE_NO_AUTH: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /**
   * Dapr app ids that are trusted services (e.g. python-client): through their
   * sidecar, without a token, they may place orders for any customer and read
   * orders by reference. Decided by the caller's mTLS identity (below).
   */
  SERVICE_CALLERS: commaList(''),

  /** The public listener (customers, without Dapr; behind an Ingress): off when unset. */
  PUBLIC_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  PUBLIC_HOST: z.string().default('127.0.0.1'),
  /** Proxies in front of the public listener that append to X-Forwarded-For (an Ingress controller: 1). */
  TRUSTED_PROXY_COUNT: z.coerce.number().int().min(0).max(10).default(0),
};

export function loadOrderServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(configShape, env);
  const tooShort = (['PAYMENT_GRACE_MS', 'PAYMENT_SWEEP_LEASE_MS'] as const).filter(
    (name) => config[name] <= config.PAYMENT_CALL_TIMEOUT_MS,
  );
  const problems: ConfigProblem[] = tooShort.map((variable) => ({
    variable,
    problem: `must be longer than PAYMENT_CALL_TIMEOUT_MS (${config.PAYMENT_CALL_TIMEOUT_MS}), the longest a payment call takes`,
  }));
  if (!config.AUTH_INSECURE_NO_AUTH) {
    for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URI'] as const) {
      if (!config[name]) {
        problems.push({ variable: name, problem: 'must be set (customer tokens are checked against it; AUTH_INSECURE_NO_AUTH=true is for development only)' });
      }
    }
    if (config.AUTH_JWKS_URI) {
      const jwks = new URL(config.AUTH_JWKS_URI);
      if (jwks.protocol !== 'https:' && !(jwks.protocol === 'http:' && LOOPBACK_HOSTS.has(jwks.hostname))) {
        problems.push({ variable: 'AUTH_JWKS_URI', problem: 'must be https (plain http only on loopback, for the development issuer)' });
      }
    }
  }
  if (problems.length > 0) throw configError(problems);
  return { ...config, auth: authSettings(config) };
}

/** What checking customers needs: the issuer's settings, or nothing in insecure development mode. */
function authSettings(config: ReturnType<typeof loadConfig<typeof configShape>>): AuthSettings {
  if (config.AUTH_INSECURE_NO_AUTH) return { mode: 'insecure-no-auth' };
  return {
    mode: 'jwt',
    issuer: config.AUTH_ISSUER!,
    audience: config.AUTH_AUDIENCE!,
    jwksUri: config.AUTH_JWKS_URI!,
    algorithms: config.AUTH_ALGORITHMS,
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
    customerClaim: config.AUTH_CUSTOMER_CLAIM,
    jwksCacheMaxAgeMs: config.AUTH_JWKS_CACHE_MAX_AGE_MS,
    jwksCooldownMs: config.AUTH_JWKS_COOLDOWN_MS,
  };
}

export type AuthSettings = { mode: 'insecure-no-auth' } | ({ mode: 'jwt' } & TokenVerifierSettings);
