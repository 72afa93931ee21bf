// The development issuer (tools/devstack/pieces/dev-issuer.mjs) on a real socket: what it
// serves, what it signs, where it keeps its key. (order-service checking its
// tokens through the real sidecar is e2e/customer-auth.test.ts.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { devIssuerEnvironment, devTokenSigner, fetchDevIssuerJwks, readDevIssuer, signDevToken, startDevIssuer } from '../pieces/dev-issuer.mjs';

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

  it('gives the bench a signer that reads its key once and signs a verifiable token for each customer, even after the file is gone', async () => {
    const file = path.join(folder, 'signer.json');
    const issuer = await startDevIssuer({ port: 0, file });
    try {
      const jwks = await (await fetch(issuer.jwksUri)).json();
      const sign = devTokenSigner({ file });
      fs.rmSync(file);
      for (const customer of ['c-1', 'c-2']) {
        const payload = verify(sign(customer), jwks);
        assert.equal(payload?.sub, customer);
        assert.equal(payload.iss, issuer.issuer);
      }
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

/** GET https://127.0.0.1:port/path with the given TLS options; resolves with the parsed JSON body, rejects with the TLS error. */
function httpsGetJson(port, urlPath, tlsOptions) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: urlPath, agent: false, ...tlsOptions }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`HTTP ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
  });
}

describe('an issuer file cut short (a launcher killed while writing it)', () => {
  it('counts as no issuer: readDevIssuer gives undefined and npm run token\'s signer says no readable issuer file, not a SyntaxError', () => {
    const file = path.join(folder, 'cut-short.json');
    fs.writeFileSync(file, '{"issuer": "http://127.0.0.1:1234", "kid": "ab');
    assert.equal(readDevIssuer(file), undefined);
    assert.deepEqual(devIssuerEnvironment(file), {});
    assert.throws(() => devTokenSigner({ file }), (error) => error.name !== 'SyntaxError' && /no readable issuer file/.test(error.message));
  });
});

describe('the development issuer over HTTPS (tls), as a cluster\'s pods reach it', () => {
  const PUBLIC_URL = 'https://login.orderflow-infra.svc.cluster.local:8443';
  const HOST = 'login.orderflow-infra.svc.cluster.local';

  it('serves its JWKS over HTTPS to a client that trusts only the CA it made, for the public host name and for 127.0.0.1', async () => {
    const file = path.join(folder, 'tls-a.json');
    const dir = path.join(folder, 'tls-a');
    const issuer = await startDevIssuer({ port: 0, file, tls: { publicUrl: PUBLIC_URL, dir } });
    try {
      const port = issuer.port;
      assert.equal(readDevIssuer(file).port, port, 'the issuer file names the local port too');
      const ca = fs.readFileSync(issuer.caCertFile);
      const jwks = await httpsGetJson(port, '/jwks.json', { ca, servername: HOST });
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0].d, undefined, 'the JWKS holds no private part');
      const discovery = await httpsGetJson(port, '/.well-known/openid-configuration', { ca, servername: HOST });
      assert.deepEqual([discovery.issuer, discovery.jwks_uri], [PUBLIC_URL, `${PUBLIC_URL}/jwks.json`]);
      // The certificate also names 127.0.0.1 (its IP SAN): a client on this machine needs no name.
      assert.equal((await httpsGetJson(port, '/jwks.json', { ca })).keys[0].kid, jwks.keys[0].kid);

      // A token signed with the issuer file's key verifies against what HTTPS serves, as that issuer's.
      const payload = verify(signDevToken('c-1', { file }), jwks);
      assert.equal(payload.iss, PUBLIC_URL);
      assert.equal(payload.sub, 'c-1');
    } finally {
      await issuer.close();
    }
  });

  it('is refused by a client without its CA (Node\'s public roots only), and for a host name its certificate does not name', async () => {
    const file = path.join(folder, 'tls-b.json');
    const issuer = await startDevIssuer({ port: 0, file, tls: { publicUrl: PUBLIC_URL, dir: path.join(folder, 'tls-b') } });
    try {
      await assert.rejects(httpsGetJson(issuer.port, '/jwks.json', { servername: HOST }), (error) => {
        assert.equal(error.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        return true;
      });
      await assert.rejects(httpsGetJson(issuer.port, '/jwks.json', { ca: fs.readFileSync(issuer.caCertFile), servername: 'login.example.com' }), (error) => {
        assert.equal(error.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
        return true;
      });
    } finally {
      await issuer.close();
    }
  });

  it('is trusted by a Node.js process given its CA in NODE_EXTRA_CA_CERTS, as order-service is on a cluster (the chart\'s auth.caCert)', async () => {
    const file = path.join(folder, 'tls-f.json');
    const issuer = await startDevIssuer({ port: 0, file, tls: { publicUrl: PUBLIC_URL, dir: path.join(folder, 'tls-f') } });
    // fetch() (undici) and node:https (jose's remote JWKS) both; the public roots stay in use beside it.
    const client = `
      const https = require('node:https');
      const url = 'https://127.0.0.1:${issuer.port}/jwks.json';
      https.get(url, (res) => { let body = ''; res.on('data', (c) => (body += c)); res.on('end', async () => {
        const viaFetch = await (await fetch(url)).json();
        console.log(JSON.stringify({ https: JSON.parse(body).keys[0].kid, fetch: viaFetch.keys[0].kid }));
      }); }).on('error', (error) => { console.error(error.code); process.exit(1); });`;
    const run = (env) =>
      new Promise((resolve) => execFile(process.execPath, ['-e', client], { env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) => resolve({ error, stdout, stderr })));
    try {
      const kid = readDevIssuer(file).kid;
      const trusted = await run({ NODE_EXTRA_CA_CERTS: issuer.caCertFile });
      assert.deepEqual(JSON.parse(trusted.stdout), { https: kid, fetch: kid }, trusted.stderr);
      const untrusted = await run({});
      assert.ok(untrusted.error, 'without the CA the same process is refused');
      assert.match(untrusted.stderr, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    } finally {
      await issuer.close();
    }
  });

  it('names the public URL as the issuer and the CA file in the issuer file, and keeps the keys mode 600', async () => {
    const file = path.join(folder, 'tls-c.json');
    const dir = path.join(folder, 'tls-c');
    const issuer = await startDevIssuer({ port: 0, file, tls: { publicUrl: `${PUBLIC_URL}/`, dir } });
    await issuer.close();
    const state = readDevIssuer(file);
    assert.equal(state.issuer, PUBLIC_URL);
    assert.equal(state.jwksUri, `${PUBLIC_URL}/jwks.json`);
    assert.equal(state.caCertFile, path.join(dir, 'ca.crt'));
    assert.equal(issuer.caCertFile, state.caCertFile);
    assert.match(fs.readFileSync(state.caCertFile, 'utf8'), /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    for (const key of ['ca.key', 'server.key']) assert.equal(fs.statSync(path.join(dir, key)).mode & 0o777, 0o600, key);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['ca.crt', 'ca.key', 'server.crt', 'server.key']);
    assert.equal(devIssuerEnvironment(file).AUTH_ISSUER, PUBLIC_URL);
  });

  it('makes a new CA per run: the CA of the run before is not trusted by it', async () => {
    const dir = path.join(folder, 'tls-d');
    const first = await startDevIssuer({ port: 0, file: path.join(folder, 'tls-d.json'), tls: { publicUrl: PUBLIC_URL, dir } });
    const oldCa = fs.readFileSync(first.caCertFile);
    await first.close();
    const second = await startDevIssuer({ port: 0, file: path.join(folder, 'tls-d.json'), tls: { publicUrl: PUBLIC_URL, dir } });
    try {
      await assert.rejects(httpsGetJson(second.port, '/jwks.json', { ca: oldCa, servername: HOST }));
      await httpsGetJson(second.port, '/jwks.json', { ca: fs.readFileSync(second.caCertFile), servername: HOST });
    } finally {
      await second.close();
    }
  });

  it('is found running from this machine (npm run token\'s check) on 127.0.0.1 with its CA, though only pods resolve its name; and not once closed', async () => {
    const file = path.join(folder, 'tls-g.json');
    const issuer = await startDevIssuer({ port: 0, file, tls: { publicUrl: PUBLIC_URL, dir: path.join(folder, 'tls-g') } });
    const state = readDevIssuer(file);
    try {
      const jwks = await fetchDevIssuerJwks(state);
      assert.ok(jwks.keys.some((key) => key.kid === state.kid));
    } finally {
      await issuer.close();
    }
    await assert.rejects(fetchDevIssuerJwks(state));
  });

  it('refuses a public URL that is not https://host[:port]', async () => {
    for (const publicUrl of ['http://login.example.com', 'https://login.example.com/realms/shop', 'not a url']) {
      await assert.rejects(startDevIssuer({ port: 0, file: path.join(folder, 'tls-e.json'), tls: { publicUrl, dir: path.join(folder, 'tls-e') } }), /public URL/);
    }
  });
});
