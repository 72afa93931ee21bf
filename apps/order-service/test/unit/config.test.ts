import { ConfigError } from '@orderflow/service-kit';
import { loadOrderServiceConfig } from '../../src/config';

/** The customers' issuer: what every configuration needs unless it is insecure development mode. */
const AUTH = { AUTH_ISSUER: 'https://login.example.com/', AUTH_AUDIENCE: 'orderflow-api', AUTH_JWKS_URI: 'https://login.example.com/jwks.json' };

describe("order-service's configuration", () => {
  it('leaves a new order to its request for 30 s and leases swept orders for 30 s by default, both longer than the 5 s payment call', () => {
    const config = loadOrderServiceConfig({ ...AUTH });
    expect(config).toMatchObject({ PAYMENT_CALL_TIMEOUT_MS: 5_000, PAYMENT_GRACE_MS: 30_000, PAYMENT_SWEEP_LEASE_MS: 30_000 });
  });

  it.each(['PAYMENT_GRACE_MS', 'PAYMENT_SWEEP_LEASE_MS'])(
    'refuses to start when %s is not longer than the longest payment call, naming the variable',
    (name) => {
      const load = () => loadOrderServiceConfig({ ...AUTH, PAYMENT_CALL_TIMEOUT_MS: '8000', [name]: '8000' });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(new RegExp(`${name}: must be longer than PAYMENT_CALL_TIMEOUT_MS \\(8000\\)`));
    },
  );

  it('refuses to start when BODY_LIMIT is not a size (body-parser would take it for no limit at all)', () => {
    expect(loadOrderServiceConfig({ ...AUTH }).BODY_LIMIT).toBe('64kb');
    const load = () => loadOrderServiceConfig({ ...AUTH, BODY_LIMIT: '64 kilobytes' });
    expect(load).toThrow(/BODY_LIMIT: must be a size/);
  });

  it('accepts a grace and a lease just longer than the payment call', () => {
    expect(() =>
      loadOrderServiceConfig({ ...AUTH, PAYMENT_CALL_TIMEOUT_MS: '8000', PAYMENT_GRACE_MS: '8001', PAYMENT_SWEEP_LEASE_MS: '9000' }),
    ).not.toThrow();
  });
});

describe("order-service's customer authentication settings", () => {
  it('refuses to start without the issuer, audience and JWKS address, naming each', () => {
    const load = () => loadOrderServiceConfig({});
    expect(load).toThrow(ConfigError);
    for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URI']) expect(load).toThrow(new RegExp(`${name}: must be set`));
    // The one form every service's configuration error has (configError in @orderflow/service-kit).
    expect(load).toThrow(/^invalid configuration in the environment:\n {2}AUTH_ISSUER: must be set .+\n {2}AUTH_AUDIENCE: must be set .+\n {2}AUTH_JWKS_URI: must be set .+$/);
  });

  it('checks RS256 and ES256 tokens with 30 s of clock leeway and the customer in `sub` by default', () => {
    expect(loadOrderServiceConfig({ ...AUTH }).auth).toEqual({
      mode: 'jwt',
      issuer: AUTH.AUTH_ISSUER,
      audience: AUTH.AUTH_AUDIENCE,
      jwksUri: AUTH.AUTH_JWKS_URI,
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
      customerClaim: 'sub',
      jwksCacheMaxAgeMs: 600_000,
      jwksCooldownMs: 30_000,
    });
  });

  it.each(['none', 'HS256', 'RS256,none'])('refuses AUTH_ALGORITHMS=%s: asymmetric signatures only', (algorithms) => {
    expect(() => loadOrderServiceConfig({ ...AUTH, AUTH_ALGORITHMS: algorithms })).toThrow(/AUTH_ALGORITHMS/);
  });

  it('refuses a JWKS address over plain http, except on loopback (the development issuer)', () => {
    expect(() => loadOrderServiceConfig({ ...AUTH, AUTH_JWKS_URI: 'http://login.example.com/jwks.json' })).toThrow(/AUTH_JWKS_URI: must be https/);
    expect(loadOrderServiceConfig({ ...AUTH, AUTH_JWKS_URI: 'http://127.0.0.1:4000/jwks.json' }).auth).toMatchObject({ mode: 'jwt' });
  });

  it('starts without an issuer only when told, loudly, that this is insecure development mode', () => {
    expect(loadOrderServiceConfig({ AUTH_INSECURE_NO_AUTH: 'true' }).auth).toEqual({ mode: 'insecure-no-auth' });
  });

  it('reads the trusted service callers as a list', () => {
    expect(loadOrderServiceConfig({ ...AUTH, SERVICE_CALLERS: 'python-client, api-gateway' }).SERVICE_CALLERS).toEqual(['python-client', 'api-gateway']);
    expect(loadOrderServiceConfig({ ...AUTH }).SERVICE_CALLERS).toEqual([]);
  });
});
