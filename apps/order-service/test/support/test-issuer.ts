// A customers' identity provider for order-service's HTTP tests: an ES256 key
// pair made per test file, its public key served as a JWKS over real HTTP on
// loopback (so the real verifier fetches and caches it as it would in
// production), and tokens signed with it, well-formed or deliberately not.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import { jwtCustomerTokenVerifier } from '../../src/auth/customer-token-verifier';
import type { CustomerAuthentication } from '../../src/http/caller';

export const TEST_AUDIENCE = 'orderflow-api';

export interface TokenOptions {
  /** Seconds from now; negative: already expired. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  /** Extra claims (e.g. another customer claim). */
  claims?: Record<string, unknown>;
  /** Leave out `sub`. */
  noSubject?: boolean;
}

export interface TestIssuer {
  issuer: string;
  jwksUri: string;
  /** How order-service checks tokens of this issuer. */
  authentication: CustomerAuthentication;
  tokenFor(customerId: string, options?: TokenOptions): Promise<string>;
  /** A token for the customer signed by a key the issuer does not publish (same key id). */
  tokenFromAnotherKey(customerId: string): Promise<string>;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const jose: typeof Jose = await import('jose');
  const keyId = 'test-key-1';
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const other = await jose.generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await jose.exportJWK(publicKey)), kid: keyId, alg: 'ES256', use: 'sig' }] };
  let fetches = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = base;
  const jwksUri = `${base}/jwks.json`;

  const sign = (key: Jose.CryptoKey, customerId: string, options: TokenOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new jose.SignJWT(options.claims ?? {})
      .setProtectedHeader({ alg: 'ES256', kid: keyId, typ: 'JWT' })
      .setIssuer(options.issuer ?? issuer)
      .setAudience(options.audience ?? TEST_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 3_600));
    if (!options.noSubject) jwt.setSubject(customerId);
    return jwt.sign(key);
  };

  return {
    issuer,
    jwksUri,
    authentication: {
      mode: 'jwt',
      verifier: jwtCustomerTokenVerifier({
        issuer,
        audience: TEST_AUDIENCE,
        jwksUri,
        algorithms: ['ES256', 'RS256'],
        clockToleranceSeconds: 5,
        customerClaim: 'sub',
        jwksCacheMaxAgeMs: 600_000,
        jwksCooldownMs: 30_000,
      }),
    },
    tokenFor: (customerId, options) => sign(privateKey, customerId, options),
    tokenFromAnotherKey: (customerId) => sign(other.privateKey, customerId),
    jwksFetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The parts of a compact JWS, to tamper with. */
export function jwtParts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
  const [header, payload, signature] = token.split('.');
  const decode = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(header), payload: decode(payload), signature: signature ?? '' };
}

/** A compact JWS from parts (the signature kept as given). */
export function jwtFrom(parts: { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string }): string {
  const encode = (value: Record<string, unknown>) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode(parts.header)}.${encode(parts.payload)}.${parts.signature}`;
}
