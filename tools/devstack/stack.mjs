// The local stack, piece by piece: what `npm start`, `npm run infra`, `npm run bench`
// and the test suites start, in order, each as one numbered step of the console.
// Only Node built-ins and the plumbing in lib/ (itself Node only) are imported up
// front: on a fresh clone this runs before `npm ci` has installed anything.
// The pieces (pieces/*.mjs) come in with import() once the packages are there.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { installHint } from './install-hints.mjs';
import { reportAndGoOn } from './lib/errors.mjs';
import { findProcess, stopAll } from './lib/processes.mjs';
import { LOCAL, ROOT, settings } from './lib/settings.mjs';
import { info, run, SetupError, step } from './lib/step.mjs';

const MIN_NODE = [20, 10];

export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    throw new SetupError(`orderflow needs Node.js ${MIN_NODE.join('.')} or newer; this is ${process.versions.node}`, {
      hint: `${installHint('node', { version: MIN_NODE.join('.') })}, and run the command again`,
    });
  }
}

/** npm ci when node_modules is missing or older than package-lock.json. */
async function ensureNpmPackages() {
  const lock = path.join(ROOT, 'package-lock.json');
  const stamp = path.join(ROOT, 'node_modules', '.orderflow-lock-hash');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  await step('Installing npm packages (npm ci)', async () => {
    await run('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: ROOT,
      hint: 'check that the npm registry is reachable (npm config get registry), then run the command again',
    });
    fs.writeFileSync(stamp, hash);
  });
}

async function build({ withTests = false } = {}) {
  const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
  await step('Building the TypeScript services (tsc -b)', () => run(tsc, ['-b'], { cwd: ROOT, hint: 'fix the compile errors shown above' }));
  if (withTests) {
    await step('Type-checking the tests', () =>
      run(tsc, ['-p', 'tsconfig.tests.json'], { cwd: ROOT, hint: 'fix the type errors shown above' }),
    );
  }
}

/**
 * A server piece's install, unless something already answers where it would
 * listen (the Docker alternative's container, an earlier npm start): start()
 * will use that one, so nothing is fetched (no Java or Maven needed for it).
 */
export async function installUnlessRunning(piece) {
  const found = await piece.detect();
  if (found.running) {
    info(`${piece.name} already answers at ${found.where}: nothing to fetch`);
    return null;
  }
  return piece.install();
}

/**
 * Packages, build, the tools (daprd, Kafka's and Zipkin's jars unless those
 * servers already answer, the tests' Python tools), then PostgreSQL with the
 * services' databases.
 */
export async function prepare({ fastDatabase, withTests = false }) {
  checkNode();
  await ensureNpmPackages();
  await build({ withTests });
  const { piece: daprd } = await import('./pieces/dapr-toolchain.mjs');
  const toolchain = await daprd.install();
  const { piece: kafka } = await import('./pieces/kafka.mjs');
  await step('Kafka broker jars', () => installUnlessRunning(kafka));
  const { piece: zipkin } = await import('./pieces/zipkin.mjs');
  await step('Zipkin server jar', () => installUnlessRunning(zipkin));
  let python;
  if (withTests) {
    const { piece: pythonTools } = await import('./pieces/python.mjs');
    python = await step('Python test tools (schemathesis) in .local/python', () => pythonTools.start());
  }
  const postgres = await import('./pieces/postgres.mjs');
  await step('PostgreSQL server', () => postgres.piece.install());
  await step('Starting PostgreSQL', () => postgres.piece.start({ fast: fastDatabase }));
  await step('Service databases and roles', () => postgres.ensureDatabases());
  return { toolchain, postgres, python };
}

/** Kafka with its topics, MailDev and Zipkin; `throwAway`: the tests' broker keeps nothing from an earlier run. */
export async function startMessagingAndMail({ throwAway = false } = {}) {
  if (throwAway) {
    // Set before kafka.mjs reads it.
    process.env.ORDERFLOW_KAFKA_DATA = 'test-data';
    fs.rmSync(path.join(LOCAL, 'kafka', 'test-data'), { recursive: true, force: true });
  }
  const kafka = await import('./pieces/kafka.mjs');
  await step('Starting Kafka (KRaft, single node)', () => kafka.piece.start());
  await step('Kafka topics', () => kafka.createTopics());
  const { piece: maildev } = await import('./pieces/maildev.mjs');
  const { ensureDevSecrets } = await import('./lib/dev-secrets.mjs');
  const secrets = ensureDevSecrets();
  await step('Starting MailDev (SMTP + web inbox)', () => maildev.start({ user: secrets['smtp-user'], password: secrets['smtp-password'] }));
  const { piece: zipkin } = await import('./pieces/zipkin.mjs');
  await step('Starting Zipkin (traces)', () => zipkin.start());
}

/**
 * Sentry, then the services beside their sidecars, which get their mTLS
 * certificates from it: each sidecar with its own join token, unless the Dapr
 * CLI runs them (see pieces/sentry.mjs).
 */
export async function startSentryAndApps(toolchain) {
  const { checkSentryPortForCli, piece: sentry } = await import('./pieces/sentry.mjs');
  const { CLIENTS, SERVICES, startApps } = await import('./lib/apps.mjs');
  if (toolchain.dapr) checkSentryPortForCli();
  const ca = await step('Starting Sentry (the sidecars\' mTLS certificate authority)', () =>
    sentry.start({ toolchain, joinTokensFor: toolchain.dapr ? [] : [...SERVICES, ...CLIENTS] }),
  );
  const { piece: devIssuer } = await import('./pieces/dev-issuer.mjs');
  const issuer = await step('Starting the development issuer (customer tokens)', () => devIssuer.start());
  const apps = await step('Starting the services beside their sidecars (dapr.yaml)', () => startApps(toolchain));
  return { ...apps, sentry: ca, issuer };
}

function banner(issuer) {
  const o = settings.apps['order-service'];
  const p = settings.apps['payment-service'];
  const n = settings.apps['notification-service'];
  process.stdout.write(`
orderflow is running. Ctrl-C stops everything. A service or sidecar that exits
is restarted after 1 s, 2 s, 4 s ... up to 30 s, and this console says so.

  Place an order as customer c-1, with a token of the development issuer (valid 1 h):
    TOKEN=$(npm run -s token -- c-1)
    curl -s -X POST http://127.0.0.1:${o.publicPort}/orders \\
      -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
      -d '{"customer":{"id":"c-1","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com"},
           "items":[{"productId":"book-1","name":"Notes","quantity":2,"unitPrice":"24.95"}],
           "currency":"EUR","paymentMethod":"VISA"}'
    curl -s http://127.0.0.1:${o.publicPort}/orders -H "authorization: Bearer $TOKEN"    # c-1's orders only

  order API (customers)  http://127.0.0.1:${o.publicPort}   tokens: npm run -s token -- <customer-id>   issuer ${issuer.issuer}
  order-service          app http://127.0.0.1:${o.appPort}  sidecar http://127.0.0.1:${o.httpPort}
  payment-service        app http://127.0.0.1:${p.appPort}  sidecar http://127.0.0.1:${p.httpPort}
  notification-service   app http://127.0.0.1:${n.appPort}  sidecar http://127.0.0.1:${n.httpPort}
  e-mail inbox (MailDev) http://127.0.0.1:${settings.smtp.webPort}   SMTP 127.0.0.1:${settings.smtp.port}
  traces (Zipkin)        http://127.0.0.1:${settings.zipkin.port}
  Kafka                  127.0.0.1:${settings.kafka.port}   PostgreSQL 127.0.0.1:${settings.postgres.port}
  Sentry (mTLS CA)       127.0.0.1:${settings.sentry.port}   trust anchor ${path.relative(ROOT, path.join(LOCAL, 'sentry', 'credentials', 'ca.crt'))}
  logs                   ${path.relative(ROOT, path.join(LOCAL, 'logs'))}/
  API tokens (this run)  ${path.relative(ROOT, path.join(LOCAL, 'run', 'tokens.json'))}: each sidecar's API wants its "dapr" token as dapr-api-token
`);
}

/** `npm start`: everything, then runs until Ctrl-C. */
export async function commandStart() {
  const { toolchain } = await prepare({ fastDatabase: false });
  await startMessagingAndMail();
  const apps = await startSentryAndApps(toolchain);
  banner(apps.issuer);
  // A process of the app tier that dies is restarted by its supervisor
  // (lib/supervision.mjs), as Kubernetes restarts a container.
  await new Promise(() => {});
}

/** `npm run infra`: only the infrastructure (for running the apps yourself). */
export async function commandInfra() {
  const { toolchain } = await prepare({ fastDatabase: false });
  await startMessagingAndMail();
  const { piece: sentryPiece } = await import('./pieces/sentry.mjs');
  const sentry = await step('Starting Sentry (the sidecars\' mTLS certificate authority)', () => sentryPiece.start({ toolchain }));
  info(`Sentry: ${sentry.address}; give each daprd --enable-mtls --sentry-address ${sentry.address}`);
  info(`and DAPR_TRUST_ANCHORS="$(cat ${path.relative(ROOT, sentry.trustAnchorsFile)})" NAMESPACE=default`);
  const { piece: devIssuer } = await import('./pieces/dev-issuer.mjs');
  const issuer = await step('Starting the development issuer (customer tokens)', () => devIssuer.start());
  info(`order-service checks customer tokens with: export AUTH_ISSUER=${issuer.issuer} AUTH_AUDIENCE=${issuer.audience} AUTH_JWKS_URI=${issuer.jwksUri}`);
  info('infrastructure is up; Ctrl-C stops it');
  await new Promise(() => {});
}

/** `npm run bench` (tools/bench/): uses the stack when it already answers on the configured ports. */
export async function commandBench() {
  checkNode();
  const { runBench, stackIsRunning } = await import('../bench/bench.mjs');
  if (await stackIsRunning()) {
    info('the services answer on the configured ports: benchmarking the running stack as it is');
    await runBench({ startedHere: false });
    return;
  }
  const { toolchain } = await prepare({ fastDatabase: false });
  await startMessagingAndMail();
  await startSentryAndApps(toolchain);
  await runBench({ startedHere: true });
  await step('Stopping everything', () => stopAll());
}

/**
 * What the drills (e2e/drills.test.ts) act through: the SMTP fault proxy in
 * front of MailDev (the sidecars send through it) and the control server.
 */
export async function startFaultInjection(toolchain) {
  const { startSmtpFaultProxy } = await import('./lib/smtp-fault-proxy.mjs');
  const { sendSidecarMailTo } = await import('./lib/apps.mjs');
  const smtpProxy = await startSmtpFaultProxy({ upstreamPort: settings.smtp.port });
  sendSidecarMailTo(smtpProxy.port);
  info(`SMTP fault proxy on 127.0.0.1:${smtpProxy.port} in front of MailDev (127.0.0.1:${settings.smtp.port})`);
  return {
    smtpProxy,
    /** Starts the control server once the apps run (it needs their tokens). */
    async startControl(tokens) {
      const { startControlServer } = await import('./lib/control.mjs');
      const { startExtraInstance } = await import('./lib/apps.mjs');
      return startControlServer({ smtpProxy, restartPostgres, startInstance: (service) => startExtraInstance(toolchain, tokens, service) });
    },
  };
}

/** Why the drills may not restart PostgreSQL, or undefined when they may. */
export function postgresRestartSkipReason() {
  if (settings.postgres.adminUser) {
    return `PG_ADMIN_USER is set: PostgreSQL is a server of your own at ${settings.postgres.host}:${settings.postgres.port}, not ours to restart`;
  }
  if (!findProcess('postgres')) return 'the project cluster was already running before npm test started (reused): not ours to restart';
  return undefined;
}

/**
 * The drills' PostgreSQL restart: a graceful (fast) shutdown of the project
 * cluster, `downForMs` with no server at all (a restart that takes a while,
 * as a minor-version upgrade or a failover does), then a start.
 */
async function restartPostgres({ downForMs = 0 } = {}) {
  const skipped = postgresRestartSkipReason();
  if (skipped) return { skipped };
  const { piece: postgres } = await import('./pieces/postgres.mjs');
  const stoppedAt = Date.now();
  await postgres.stop();
  const stopMs = Date.now() - stoppedAt;
  await new Promise((resolve) => setTimeout(resolve, downForMs));
  await postgres.start({ fast: true });
  return { downMs: Date.now() - stoppedAt, stopMs };
}

/** More to stop than our processes (the cluster suite's node), while it runs. */
let extraCleanup = null;
export function whileRunning(cleanup) {
  extraCleanup = cleanup;
}

/** Stops what an interrupted or failed command leaves: the extra cleanup, then every process we started. */
export async function stopEverything() {
  await Promise.resolve(extraCleanup?.()).catch(reportAndGoOn('stopping the local cluster'));
  await stopAll();
}
