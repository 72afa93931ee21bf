// The development issuer (scripts/lib/dev-issuer.mjs) on a real socket: what it
// serves, what it signs, where it keeps its key. (order-service checking its
// tokens through the real sidecar is e2e/customer-auth.test.ts.)
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { devIssuerEnvironment, signDevToken, startDevIssuer } from '../lib/dev-issuer.mjs';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-issuer-'));
after(() => fs.rmSync(folder, { recursive: true, force: true }));

/** Checks an ES256 compact JWS against a JWKS; returns its payload, or undefined when the signature fails. */
function verify(token, jwks) {
  const [header, payload, signature] = token.split('.');
  const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url'));
  assert.equal(alg, 'ES256');
  const jwk = jwks.keys.find((key) => key.kid === kid);
  if (!jwk) return undefined;
  const ok = crypto.verify('sha256', Buffer.from(`${header}.${payload}`), { key: crypto.createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  return ok ? JSON.parse(Buffer.from(payload, 'base64url')) : undefined;
}

describe('the development issuer', () => {
  it('serves its public key on loopback and signs tokens for a customer that verify against it, valid 1 h', async () => {
    const file = path.join(folder, 'a.json');
    const issuer = await startDevIssuer({ port: 0, file });
    try {
      assert.match(issuer.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
      const jwks = await (await fetch(issuer.jwksUri)).json();
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0].d, undefined, 'the JWKS holds no private part');
      const discovery = await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json();
      assert.equal(discovery.jwks_uri, issuer.jwksUri);

      const payload = verify(signDevToken('c-1', { file }), jwks);
      assert.equal(payload.sub, 'c-1');
      assert.equal(payload.iss, issuer.issuer);
      assert.equal(payload.aud, 'orderflow-api');
      assert.ok(Math.abs(payload.exp - payload.iat - 3_600) <= 1);
      const expired = verify(signDevToken('c-1', { file, expiresInSeconds: -60 }), jwks);
      assert.ok(expired.exp < Date.now() / 1000, 'an expired token, for the tests that need one');

      assert.deepEqual(devIssuerEnvironment(file), {
        AUTH_ISSUER: issuer.issuer,
        AUTH_AUDIENCE: 'orderflow-api',
        AUTH_JWKS_URI: issuer.jwksUri,
        AUTH_ALGORITHMS: 'ES256',
      });
    } finally {
      await issuer.close();
    }
  });

  it('keeps its private key in a file only its owner can read (mode 600)', async () => {
    const file = path.join(folder, 'b.json');
    fs.writeFileSync(file, '{}', { mode: 0o644 });
    const issuer = await startDevIssuer({ port: 0, file });
    await issuer.close();
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  it('makes a new key per run: a token of the run before does not verify', async () => {
    const file = path.join(folder, 'c.json');
    const first = await startDevIssuer({ port: 0, file });
    const old = signDevToken('c-1', { file });
    await first.close();
    const second = await startDevIssuer({ port: 0, file });
    try {
      const jwks = await (await fetch(second.jwksUri)).json();
      assert.equal(verify(old, jwks), undefined);
      assert.ok(verify(signDevToken('c-1', { file }), jwks));
    } finally {
      await second.close();
    }
  });
});
