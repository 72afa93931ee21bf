// The development issuer: what stands in, on this machine, for the customers'
// OpenID Connect provider. `npm start` and `npm test` start it in their own
// process: a key pair made per run (ES256), its public half served as a JWKS on
// loopback (GET /jwks.json, and /.well-known/openid-configuration), the private
// half kept in .local/run/dev-issuer.json (mode 600) for `npm run token` and the
// tests, and never anywhere else. order-service checks tokens against it exactly
// as it checks a real provider's (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URI).
// A new run makes a new key: tokens of an earlier run are refused.
//
// With `tls`, it serves the same over HTTPS, as the issuer at `tls.publicUrl`
// (the address pods on a cluster use; whoever runs it bridges that address to
// this port): order-service accepts plain http on loopback only. Its certificate
// is signed by a CA made per run (the chart's auth.caCert), both written with
// the openssl CLI, since Node can make keys but not certificates.
// Node built-ins (and openssl) only: the launcher imports nothing else.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { LOCAL } from '../lib/settings.mjs';
import { readStamp } from '../lib/local-files.mjs';
import { run, SetupError } from '../lib/step.mjs';
import { installHint } from '../install-hints.mjs';
import { definePiece, healthy, notHealthy } from '../lib/piece.mjs';

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

/** The https origin `publicUrl` names (no path, query or fragment: the JWKS is served at its root). */
function publicOrigin(publicUrl) {
  let url;
  try {
    url = new URL(publicUrl);
  } catch (error) {
    throw new SetupError(`the development issuer's public URL "${publicUrl}" is not a URL (${error.message})`);
  }
  if (url.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new SetupError(`the development issuer's public URL "${publicUrl}" must be https://host[:port], nothing more`, {
      hint: 'e.g. https://login.orderflow-infra.svc.cluster.local:8443',
    });
  }
  return url;
}

/** Writes `text` to `file`, readable by its owner only (removed first: writeFileSync's mode applies only to a file it creates). */
function writePrivate(file, text) {
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, text, { mode: 0o600 });
}

const openssl = (args) => run('openssl', args, { hint: `the HTTPS issuer needs the openssl CLI: ${installHint('openssl')}` });

/**
 * A CA made for this run, and a certificate it signs for `hostname` (and
 * 127.0.0.1), in `dir`: ca.crt, ca.key, server.crt, server.key (keys mode 600).
 * Valid 30 days; a new run makes new ones.
 */
async function makeDevIssuerCertificates({ dir, hostname }) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = {
    caCertFile: path.join(dir, 'ca.crt'),
    caKeyFile: path.join(dir, 'ca.key'),
    certFile: path.join(dir, 'server.crt'),
    keyFile: path.join(dir, 'server.key'),
  };
  const newKey = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' });
  writePrivate(files.caKeyFile, newKey());
  writePrivate(files.keyFile, newKey());
  for (const file of [files.caCertFile, files.certFile]) fs.rmSync(file, { force: true });

  const runId = crypto.randomBytes(4).toString('hex');
  await openssl(['req', '-x509', '-new', '-key', files.caKeyFile, '-sha256', '-days', '30', '-subj', `/CN=orderflow development issuer CA ${runId}`,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', files.caCertFile]);
  const names = [...new Set([net.isIP(hostname) ? `IP:${hostname}` : `DNS:${hostname}`, 'IP:127.0.0.1'])];
  const csrFile = path.join(dir, 'server.csr');
  const extensionsFile = path.join(dir, 'server.ext');
  fs.writeFileSync(extensionsFile, [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${names.join(', ')}`,
  ].join('\n') + '\n');
  try {
    await openssl(['req', '-new', '-key', files.keyFile, '-subj', `/CN=${hostname}`, '-out', csrFile]);
    await openssl(['x509', '-req', '-in', csrFile, '-CA', files.caCertFile, '-CAkey', files.caKeyFile, '-set_serial', `0x${crypto.randomBytes(16).toString('hex')}`,
      '-sha256', '-days', '30', '-extfile', extensionsFile, '-out', files.certFile]);
  } finally {
    fs.rmSync(csrFile, { force: true });
    fs.rmSync(extensionsFile, { force: true });
  }
  return files;
}

/**
 * Starts the issuer on 127.0.0.1 and writes the issuer file. Resolves with its
 * addresses and `close()`. The server lives as long as this process.
 *
 * `tls: { publicUrl, dir }`: over HTTPS, as the issuer `publicUrl`, with a
 * certificate for its host made in `dir` (see makeDevIssuerCertificates); the
 * issuer file and the result then also name `caCertFile`, the CA to trust, and
 * `port`, where it listens on 127.0.0.1.
 */
export async function startDevIssuer({ port = configuredPort(), file = DEV_ISSUER_FILE, tls } = {}) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = crypto.randomBytes(8).toString('hex');
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: ALGORITHM, use: 'sig' };
  const origin = tls ? publicOrigin(tls.publicUrl) : undefined;
  const certificates = tls ? await makeDevIssuerCertificates({ dir: tls.dir, hostname: origin.hostname.replace(/^\[|\]$/g, '') }) : undefined;

  let issuer;
  const handler = (req, res) => {
    const send = (status, body) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify(body));
    if (req.method !== 'GET') return send(405, { error: 'GET only' });
    if (req.url === '/jwks.json') return send(200, { keys: [publicJwk] });
    if (req.url === '/.well-known/openid-configuration') {
      return send(200, { issuer, jwks_uri: `${issuer}/jwks.json`, id_token_signing_alg_values_supported: [ALGORITHM] });
    }
    return send(404, { error: 'not found' });
  };
  const server = certificates
    ? https.createServer({ key: fs.readFileSync(certificates.keyFile), cert: fs.readFileSync(certificates.certFile) }, handler)
    : http.createServer(handler);
  await new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new SetupError(`the development issuer cannot listen on 127.0.0.1:${port}: ${error.message}`, { hint: 'free the port, or unset DEV_ISSUER_PORT (any free port is then used)' })),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  server.unref();
  issuer = origin ? origin.origin : `http://127.0.0.1:${server.address().port}`;
  const state = { issuer, audience: DEV_AUDIENCE, jwksUri: `${issuer}/jwks.json`, kid, algorithm: ALGORITHM, privateKey: privateKey.export({ format: 'jwk' }) };
  // Over HTTPS the issuer's address is not where it listens: whoever bridges the one to the other needs the port.
  if (certificates) Object.assign(state, { caCertFile: certificates.caCertFile, port: server.address().port });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writePrivate(file, `${JSON.stringify(state, null, 2)}\n`);
  return {
    issuer,
    audience: DEV_AUDIENCE,
    jwksUri: state.jwksUri,
    /** Where it listens on 127.0.0.1. */
    port: server.address().port,
    ...(certificates && { caCertFile: certificates.caCertFile }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // A TLS client that gave up mid-handshake, or kept its connection alive, must not hold close() up.
        if (certificates) server.closeAllConnections();
      }),
  };
}

/** The issuer of the current run, as the issuer file says; undefined when none has started. */
export function readDevIssuer(file = DEV_ISSUER_FILE) {
  // No file, or one cut short (a launcher killed while writing it): no issuer to be found there.
  // (null, not undefined, as the fallback: undefined would pick readStamp's default {}.)
  return readStamp(file, null) ?? undefined;
}

/** What order-service needs to check this issuer's tokens (its AUTH_* settings); {} when none runs. */
export function devIssuerEnvironment(file = DEV_ISSUER_FILE) {
  const state = readDevIssuer(file);
  if (!state) return {};
  return { AUTH_ISSUER: state.issuer, AUTH_AUDIENCE: state.audience, AUTH_JWKS_URI: state.jwksUri, AUTH_ALGORITHMS: state.algorithm };
}

/**
 * The keys the running issuer serves, asked where it listens on this machine:
 * its own address in http mode; in HTTPS mode 127.0.0.1:<port> with the run's
 * CA (the issuer's address is then the cluster's name for it, which only pods
 * resolve). Rejects when nothing answers.
 */
export function fetchDevIssuerJwks(state = readDevIssuer(), { timeoutMs = 2_000 } = {}) {
  if (!state) return Promise.reject(new Error('no development issuer has started'));
  if (!state.caCertFile) {
    return fetch(state.jwksUri, { signal: AbortSignal.timeout(timeoutMs) }).then((response) => response.json());
  }
  return new Promise((resolve, reject) => {
    const request = https.get(
      { host: '127.0.0.1', port: state.port, path: '/jwks.json', ca: fs.readFileSync(state.caCertFile), servername: new URL(state.issuer).hostname, timeout: timeoutMs },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('the development issuer did not answer')));
    request.on('error', reject);
  });
}

const base64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * A token of the development issuer for `customerId` (its `sub`), valid for
 * `expiresInSeconds` (1 h by default; negative: already expired).
 */
export function signDevToken(customerId, { expiresInSeconds = 3_600, file = DEV_ISSUER_FILE } = {}) {
  return devTokenSigner({ expiresInSeconds, file })(customerId);
}

/**
 * A signer that reads the issuer's file and imports its key once: the bench signs a
 * token per request, and re-reading the key each time would load the machine it measures.
 */
export function devTokenSigner({ expiresInSeconds = 3_600, file = DEV_ISSUER_FILE } = {}) {
  const state = readDevIssuer(file);
  if (!state) throw new SetupError(`no development issuer has started yet (no readable issuer file at ${file})`, { hint: 'start orderflow first: npm start' });
  const key = crypto.createPrivateKey({ key: state.privateKey, format: 'jwk' });
  const header = { alg: state.algorithm, typ: 'JWT', kid: state.kid };
  return (customerId) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: state.issuer, aud: state.audience, sub: customerId, iat: now, exp: now + expiresInSeconds };
    const signingInput = `${base64url(header)}.${base64url(payload)}`;
    const signature = crypto.sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${signature.toString('base64url')}`;
  };
}

/** The issuer this process started, and its issuer file (stop() closes it). */
let started;

/** The piece (tools/devstack/lib/piece.mjs): the development issuer of customer tokens, in this process. */
export const piece = definePiece({
  name: 'dev-issuer',
  kind: 'server',
  async detect() {
    const state = readDevIssuer(started?.file);
    const running = Boolean(state) && (await piece.health()).healthy;
    return { installed: true, running, where: state?.issuer ?? 'in the launcher\'s process (nothing to install)' };
  },
  install: async () => DEV_ISSUER_FILE,
  /** options: those of startDevIssuer ({ port, file, tls }). */
  async start(options = {}) {
    const handle = await startDevIssuer(options);
    started = { handle, file: options.file ?? DEV_ISSUER_FILE };
    return handle;
  },
  async health() {
    const state = readDevIssuer(started?.file);
    if (!state) return notHealthy('no development issuer has started (no readable issuer file)');
    try {
      const jwks = await fetchDevIssuerJwks(state);
      return jwks?.keys?.some((key) => key.kid === state.kid) ? healthy(`${state.jwksUri} serves key ${state.kid}`) : notHealthy(`${state.jwksUri} does not serve key ${state.kid}`);
    } catch (error) {
      return notHealthy(`${state.jwksUri}: ${error.message}`);
    }
  },
  async stop() {
    await started?.handle.close();
    // The file stays where health() looks: the issuer it names no longer answers.
  },
});
