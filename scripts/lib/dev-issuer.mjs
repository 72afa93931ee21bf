// The development issuer: what stands in, on this machine, for the customers'
// OpenID Connect provider. `npm start` and `npm test` start it in their own
// process: a key pair made per run (ES256), its public half served as a JWKS on
// loopback (GET /jwks.json, and /.well-known/openid-configuration), the private
// half kept in .local/run/dev-issuer.json (mode 600) for `npm run token` and the
// tests, and never anywhere else. order-service checks tokens against it exactly
// as it checks a real provider's (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URI).
// A new run makes a new key: tokens of an earlier run are refused.
// Node built-ins only: the launcher imports nothing else.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { LOCAL } from './settings.mjs';
import { SetupError } from './step.mjs';

export const DEV_ISSUER_FILE = path.join(LOCAL, 'run', 'dev-issuer.json');
/** The audience order-service accepts locally: the order API. */
export const DEV_AUDIENCE = 'orderflow-api';
const ALGORITHM = 'ES256';

/** DEV_ISSUER_PORT: a fixed port for the issuer; unset or 0, any free one (written to the issuer file). */
function configuredPort() {
  const raw = process.env.DEV_ISSUER_PORT;
  if (raw === undefined || raw === '') return 0;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new SetupError(`DEV_ISSUER_PORT=${raw} is not a TCP port`);
  return value;
}

/**
 * Starts the issuer on 127.0.0.1 and writes the issuer file. Resolves with its
 * addresses and `close()`. The server lives as long as this process.
 */
export async function startDevIssuer({ port = configuredPort(), file = DEV_ISSUER_FILE } = {}) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = crypto.randomBytes(8).toString('hex');
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: ALGORITHM, use: 'sig' };

  let issuer;
  const server = http.createServer((req, res) => {
    const send = (status, body) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify(body));
    if (req.method !== 'GET') return send(405, { error: 'GET only' });
    if (req.url === '/jwks.json') return send(200, { keys: [publicJwk] });
    if (req.url === '/.well-known/openid-configuration') {
      return send(200, { issuer, jwks_uri: `${issuer}/jwks.json`, id_token_signing_alg_values_supported: [ALGORITHM] });
    }
    return send(404, { error: 'not found' });
  });
  await new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new SetupError(`the development issuer cannot listen on 127.0.0.1:${port}: ${error.message}`, { hint: 'free the port, or unset DEV_ISSUER_PORT (any free port is then used)' })),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  server.unref();
  issuer = `http://127.0.0.1:${server.address().port}`;
  const state = { issuer, audience: DEV_AUDIENCE, jwksUri: `${issuer}/jwks.json`, kid, algorithm: ALGORITHM, privateKey: privateKey.export({ format: 'jwk' }) };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Removed first: writeFileSync's mode applies only to a file it creates.
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return {
    issuer,
    audience: DEV_AUDIENCE,
    jwksUri: state.jwksUri,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The issuer of the current run, as the issuer file says; undefined when none has started. */
export function readDevIssuer(file = DEV_ISSUER_FILE) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** What order-service needs to check this issuer's tokens (its AUTH_* settings); {} when none runs. */
export function devIssuerEnvironment(file = DEV_ISSUER_FILE) {
  const state = readDevIssuer(file);
  if (!state) return {};
  return { AUTH_ISSUER: state.issuer, AUTH_AUDIENCE: state.audience, AUTH_JWKS_URI: state.jwksUri, AUTH_ALGORITHMS: state.algorithm };
}

const base64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * A token of the development issuer for `customerId` (its `sub`), valid for
 * `expiresInSeconds` (1 h by default; negative: already expired).
 */
export function signDevToken(customerId, { expiresInSeconds = 3_600, file = DEV_ISSUER_FILE } = {}) {
  const state = readDevIssuer(file);
  if (!state) throw new SetupError('no development issuer has started yet', { hint: 'start orderflow first: npm start' });
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: state.algorithm, typ: 'JWT', kid: state.kid };
  const payload = { iss: state.issuer, aud: state.audience, sub: customerId, iat: now, exp: now + expiresInSeconds };
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const key = crypto.createPrivateKey({ key: state.privateKey, format: 'jwk' });
  const signature = crypto.sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}
