// Customer tokens for the e2e tests, from the development issuer that `npm test`
// started (tools/devstack/pieces/dev-issuer.mjs): real ES256 signatures with this run's
// key, read from the issuer file (mode 600), plus the broken ones an attacker
// would try. Node's crypto only, the same way `npm run token` signs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

interface IssuerState {
  issuer: string;
  audience: string;
  jwksUri: string;
  kid: string;
  algorithm: 'ES256';
  privateKey: crypto.JsonWebKey;
}

const ISSUER_FILE = process.env.ORDERFLOW_DEV_ISSUER_FILE ?? path.resolve(__dirname, '../../.local/run/dev-issuer.json');

let state: IssuerState | undefined;
function issuerState(): IssuerState {
  state ??= JSON.parse(fs.readFileSync(ISSUER_FILE, 'utf8')) as IssuerState;
  return state;
}

export interface TokenOptions {
  /** Seconds from now; negative: already expired. Default 1 h. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  /** Sign with this key instead of the issuer's (same key id). */
  key?: crypto.KeyObject;
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token of this run's development issuer for the customer (its `sub`). */
export function customerToken(customerId: string, options: TokenOptions = {}): string {
  const issuer = issuerState();
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'ES256', typ: 'JWT', kid: issuer.kid };
  const payload = {
    iss: options.issuer ?? issuer.issuer,
    aud: options.audience ?? issuer.audience,
    sub: customerId,
    iat: now,
    exp: now + (options.expiresIn ?? 3_600),
  };
  const input = `${encode(header)}.${encode(payload)}`;
  const key = options.key ?? crypto.createPrivateKey({ key: issuer.privateKey, format: 'jwk' });
  return `${input}.${crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/** The header a customer's request carries. */
export function asCustomer(customerId: string): Record<string, string> {
  return { authorization: `Bearer ${customerToken(customerId)}` };
}

/** The broken tokens an attacker would try, each for `customerId`. */
export const forgedTokens = {
  expired: (customerId: string) => customerToken(customerId, { expiresIn: -120 }),
  wrongAudience: (customerId: string) => customerToken(customerId, { audience: 'some-other-api' }),
  wrongIssuer: (customerId: string) => customerToken(customerId, { issuer: 'https://evil.example.com' }),
  /** `alg: none`, no signature. */
  unsigned: (customerId: string) => {
    const [, payload] = customerToken(customerId).split('.');
    return `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`;
  },
  /** Another customer's genuine token with its subject rewritten; the signature kept. */
  tampered: (customerId: string) => {
    const [header, payload, signature] = customerToken(`${customerId}-victim`).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    return `${header}.${encode({ ...claims, sub: customerId })}.${signature}`;
  },
  /** Well-formed, with the issuer's key id, but signed by a key of our own. */
  anotherKey: (customerId: string) => customerToken(customerId, { key: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }),
};
