#!/usr/bin/env node
// The project's one entry point for humans and CI:
//   npm start   install what is missing, start PostgreSQL, Kafka, MailDev, Sentry
//               and the three services beside their Dapr sidecars; a service or
//               sidecar that dies is restarted with back-off; Ctrl-C stops it all
//   npm test    the same set-up, then every test suite; prints "N passed, N failed"
//   npm run infra   only the infrastructure (for running the apps yourself)
//   npm run bench   throughput, latency, e-mail lag and the sidecar's cost, on the
//               running stack, or on one it starts (and stops) itself
// Only Node built-ins are imported up front: on a fresh clone this script is
// what runs `npm ci`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL, ROOT, settings } from '../tools/devstack/lib/settings.mjs';
import { exitWithError, info, run, SetupError, step } from '../tools/devstack/lib/step.mjs';
import { findProcess, stopAll, stopOrphans } from '../tools/devstack/lib/processes.mjs';
import { installHint } from '../tools/devstack/install-hints.mjs';
import { reportAndGoOn } from '../tools/devstack/lib/errors.mjs';

const MIN_NODE = [20, 10];

function checkNode() {
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

async function prepare({ fastDatabase, withTests = false }) {
  checkNode();
  await ensureNpmPackages();
  await build({ withTests });
  const { ensureDaprToolchain } = await import('../tools/devstack/pieces/dapr-toolchain.mjs');
  const toolchain = await ensureDaprToolchain();
  const { ensureKafka } = await import('../tools/devstack/pieces/kafka.mjs');
  await step('Kafka broker jars', () => ensureKafka());
  const { ensureZipkin } = await import('../tools/devstack/pieces/zipkin.mjs');
  await step('Zipkin server jar', () => ensureZipkin());
  let python;
  if (withTests) {
    const { ensurePythonTools } = await import('../tools/devstack/pieces/python.mjs');
    python = await step('Python test tools (schemathesis) in .local/python', () => ensurePythonTools());
  }
  const postgres = await import('../tools/devstack/pieces/postgres.mjs');
  await step('PostgreSQL server', () => postgres.ensurePostgres());
  await step('Starting PostgreSQL', () => postgres.startPostgres({ fast: fastDatabase }));
  await step('Service databases and roles', () => postgres.ensureDatabases());
  return { toolchain, postgres, python };
}

async function startMessagingAndMail({ throwAway = false } = {}) {
  if (throwAway) {
    // The tests' broker keeps nothing from an earlier run (set before kafka.mjs reads it).
    process.env.ORDERFLOW_KAFKA_DATA = 'test-data';
    fs.rmSync(path.join(LOCAL, 'kafka', 'test-data'), { recursive: true, force: true });
  }
  const kafka = await import('../tools/devstack/pieces/kafka.mjs');
  await step('Starting Kafka (KRaft, single node)', () => kafka.startKafka());
  await step('Kafka topics', () => kafka.createTopics());
  const { startMailDev } = await import('../tools/devstack/pieces/maildev.mjs');
  const { ensureDevSecrets } = await import('../tools/devstack/lib/dev-secrets.mjs');
  const secrets = ensureDevSecrets();
  await step('Starting MailDev (SMTP + web inbox)', () =>
    startMailDev({ user: secrets['smtp-user'], password: secrets['smtp-password'] }),
  );
  const { startZipkin } = await import('../tools/devstack/pieces/zipkin.mjs');
  await step('Starting Zipkin (traces)', () => startZipkin());
}

/**
 * Sentry, then the services beside their sidecars, which get their mTLS
 * certificates from it: each sidecar with its own join token, unless the Dapr
 * CLI runs them (see tools/devstack/pieces/sentry.mjs).
 */
async function startSentryAndApps(toolchain) {
  const { checkSentryPortForCli, startSentry } = await import('../tools/devstack/pieces/sentry.mjs');
  const { CLIENTS, SERVICES, startApps } = await import('../tools/devstack/lib/apps.mjs');
  if (toolchain.dapr) checkSentryPortForCli();
  const sentry = await step('Starting Sentry (the sidecars\' mTLS certificate authority)', () =>
    startSentry(toolchain, { joinTokensFor: toolchain.dapr ? [] : [...SERVICES, ...CLIENTS] }),
  );
  const { startDevIssuer } = await import('../tools/devstack/pieces/dev-issuer.mjs');
  const issuer = await step('Starting the development issuer (customer tokens)', () => startDevIssuer());
  const apps = await step('Starting the services beside their sidecars (dapr.yaml)', () => startApps(toolchain));
  return { ...apps, sentry, issuer };
}

function banner(tokens, issuer) {
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

async function commandStart() {
  const { toolchain } = await prepare({ fastDatabase: false });
  await startMessagingAndMail();
  const apps = await startSentryAndApps(toolchain);
  banner(apps.tokens, apps.issuer);
  // Runs until Ctrl-C. A process of the app tier that dies is restarted by its
  // supervisor (tools/devstack/lib/supervision.mjs), as Kubernetes restarts a container.
  await new Promise(() => {});
}

async function commandInfra() {
  const { toolchain } = await prepare({ fastDatabase: false });
  await startMessagingAndMail();
  const { startSentry } = await import('../tools/devstack/pieces/sentry.mjs');
  const sentry = await step('Starting Sentry (the sidecars\' mTLS certificate authority)', () => startSentry(toolchain));
  info(`Sentry: ${sentry.address}; give each daprd --enable-mtls --sentry-address ${sentry.address}`);
  info(`and DAPR_TRUST_ANCHORS="$(cat ${path.relative(ROOT, sentry.trustAnchorsFile)})" NAMESPACE=default`);
  const { startDevIssuer } = await import('../tools/devstack/pieces/dev-issuer.mjs');
  const issuer = await step('Starting the development issuer (customer tokens)', () => startDevIssuer());
  info(`order-service checks customer tokens with: export AUTH_ISSUER=${issuer.issuer} AUTH_AUDIENCE=${issuer.audience} AUTH_JWKS_URI=${issuer.jwksUri}`);
  info('infrastructure is up; Ctrl-C stops it');
  await new Promise(() => {});
}

/** Runs one Jest project; returns its counts (read from Jest's JSON report). */
async function jest(project, env, extraArgs = []) {
  const report = path.join(LOCAL, 'test-results', `${project}.json`);
  fs.mkdirSync(path.dirname(report), { recursive: true });
  fs.rmSync(report, { force: true });
  try {
    await run(
      process.execPath,
      // --forceExit: a handle a test leaves open must not hang npm test (and CI) after the
      // last test; Jest still says so ("Force exiting Jest").
      [path.join(ROOT, 'node_modules/jest/bin/jest.js'), '--ci', '--forceExit', '--selectProjects', project, '--json', '--outputFile', report, ...extraArgs],
      { cwd: ROOT, env, inherit: true },
    );
  } catch (error) {
    // Failures are counted from the report below; a Jest that could not run at all leaves none.
    if (!(error instanceof SetupError)) throw error;
  }
  if (!fs.existsSync(report)) return { passed: 0, failed: 1, skipped: 0, note: `${project}: Jest did not finish` };
  const result = JSON.parse(fs.readFileSync(report, 'utf8'));
  // A suite that could not run (a compile error, a failing beforeAll) fails no test
  // by itself: count it as one failure so it cannot pass unnoticed.
  const brokenSuites = result.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.every((t) => t.status !== 'failed')).length;
  return {
    passed: result.numPassedTests,
    failed: result.numFailedTests + brokenSuites,
    skipped: result.numPendingTests + result.numTodoTests,
  };
}

/**
 * `npm test` runs every suite. While developing, `npm test -- e2e` (or
 * `services`, `chart`) runs one, and further arguments go to Jest (a file name, -t "name").
 */
async function commandTest(only, ...jestArgs) {
  const all = ['services', 'chart', 'e2e', 'cluster'];
  const suites = only ? [only] : all;
  const unknown = suites.filter((suite) => !all.includes(suite));
  if (unknown.length) throw new SetupError(`unknown test suite "${unknown[0]}"`, { hint: `use ${all.join(', ')}, or nothing for all` });
  const { toolchain, postgres, python } = await prepare({ fastDatabase: true, withTests: true });
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const add = (counts) => {
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
  };

  if (suites.includes('services')) {
    add(
      await step('Unit and service tests (real PostgreSQL)', () =>
        jest(
          'services',
          {
            ORDER_TEST_DATABASE_URL: postgres.databaseUrl('order-service', { test: true }),
            PAYMENT_TEST_DATABASE_URL: postgres.databaseUrl('payment-service', { test: true }),
            NOTIFICATION_TEST_DATABASE_URL: postgres.databaseUrl('notification-service', { test: true }),
          },
          jestArgs,
        ),
      ),
    );
  }
  if (suites.includes('services')) {
    add(await step('Launcher and bench tests (node --test tools/devstack/test tools/bench/test)', () => launcherTests()));
  }
  if (suites.includes('services') && !toolchain.system) {
    const { goTests } = await import('../tools/devstack/pieces/dapr-toolchain.mjs');
    add(await step('Go tests of our daprd build (dapr/daprd)', () => goTests()));
  }
  if (suites.includes('chart')) {
    const { ensureChartTools, chartTestEnvironment } = await import('../tools/devstack/pieces/helm.mjs');
    const tools = await step('Helm, kubeconform and the Kubernetes and Dapr schemas', () => ensureChartTools());
    add(await step('Helm chart tests (offline)', () => jest('chart', chartTestEnvironment(tools), jestArgs)));
  }
  if (suites.includes('e2e')) await endToEnd(toolchain, python, add, jestArgs);
  if (suites.includes('cluster')) await clusterSuite(postgres, add, jestArgs);

  await step('Stopping everything', () => stopAll());
  // The closing line CI reads.
  process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
  process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
}

/**
 * The launcher's own tests (tools/devstack/test/*.test.mjs) and the bench's (tools/bench/test/*.test.mjs),
 * on Node's test runner: neither imports anything but Node.
 */
async function launcherTests() {
  const { spawnSync } = await import('node:child_process');
  const folders = [path.join(ROOT, 'tools', 'devstack', 'test'), path.join(ROOT, 'tools', 'bench', 'test')];
  const result = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...folders], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
  const counts = { passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') };
  if (counts.failed > 0 || counts.passed === 0) {
    process.stdout.write(`${output.split('\n').filter((line) => /not ok|error|expected|actual/i.test(line)).slice(0, 40).join('\n')}\n`);
    if (counts.passed === 0 && counts.failed === 0) counts.failed = 1;
  }
  return counts;
}

/**
 * What the drills (e2e/drills.test.ts) act through: the SMTP fault proxy in
 * front of MailDev (the sidecars send through it) and the control server.
 */
async function startFaultInjection(toolchain) {
  const { startSmtpFaultProxy } = await import('../tools/devstack/lib/smtp-fault-proxy.mjs');
  const { sendSidecarMailTo } = await import('../tools/devstack/lib/apps.mjs');
  const smtpProxy = await startSmtpFaultProxy({ upstreamPort: settings.smtp.port });
  sendSidecarMailTo(smtpProxy.port);
  info(`SMTP fault proxy on 127.0.0.1:${smtpProxy.port} in front of MailDev (127.0.0.1:${settings.smtp.port})`);
  return {
    smtpProxy,
    /** Starts the control server once the apps run (it needs their tokens). */
    async startControl(tokens) {
      const { startControlServer } = await import('../tools/devstack/lib/control.mjs');
      const { startExtraInstance } = await import('../tools/devstack/lib/apps.mjs');
      return startControlServer({ smtpProxy, restartPostgres, startInstance: (service) => startExtraInstance(toolchain, tokens, service) });
    },
  };
}

/** Why the drills may not restart PostgreSQL, or undefined when they may. */
function postgresRestartSkipReason() {
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
  const handle = findProcess('postgres');
  const postgres = await import('../tools/devstack/pieces/postgres.mjs');
  const stoppedAt = Date.now();
  await handle.stop();
  const stopMs = Date.now() - stoppedAt;
  await new Promise((resolve) => setTimeout(resolve, downForMs));
  await postgres.startPostgres({ fast: true });
  return { downMs: Date.now() - stoppedAt, stopMs };
}

async function endToEnd(toolchain, python, add, jestArgs) {
  // e2e/polyglot.test.ts runs the example client on Dapr's Python SDK (examples/python-sdk).
  const { ensurePythonSdk } = await import('../tools/devstack/pieces/python.mjs');
  await step("Dapr's Python SDK (examples/python-sdk) in .local/python-sdk", () => ensurePythonSdk());
  await startMessagingAndMail({ throwAway: true });
  const { sidecarEnvironment } = await import('../tools/devstack/lib/apps.mjs');
  const faults = await startFaultInjection(toolchain);
  const { tokens, sentry } = await startSentryAndApps(toolchain);
  const control = await faults.startControl(tokens);
  add(
    await step('End-to-end tests (real sidecars, Kafka, MailDev)', () =>
      jest('e2e', {
        ...sidecarEnvironment(toolchain),
        ORDERFLOW_KAFKA_BROKERS: `127.0.0.1:${settings.kafka.port}`,
        ORDERFLOW_MAILDEV_URL: `http://127.0.0.1:${settings.smtp.webPort}`,
        ORDERFLOW_SMTP_PORT: String(settings.smtp.port),
        ORDERFLOW_ZIPKIN_URL: `http://127.0.0.1:${settings.zipkin.port}`,
        ORDERFLOW_SERVICE_PORTS: JSON.stringify(settings.apps),
        ORDERFLOW_API_TOKENS: JSON.stringify(tokens),
        ORDERFLOW_SCHEMATHESIS: python.schemathesis,
        ORDERFLOW_TRUST_ANCHORS_FILE: sentry.trustAnchorsFile,
        ORDERFLOW_SENTRY_ADDRESS: sentry.address,
        ORDERFLOW_DAPRD: toolchain.daprd,
        // The drills' control channel (tools/devstack/lib/control.mjs) and the SMTP port the sidecars use.
        ORDERFLOW_CONTROL_URL: control.url,
        ORDERFLOW_CONTROL_TOKEN: control.token,
        ORDERFLOW_SMTP_PROXY_PORT: String(faults.smtpProxy.port),
        ORDERFLOW_POSTGRES_RESTART_SKIP: postgresRestartSkipReason() ?? '',
        // One file at a time: the fault-injection tests freeze shared processes.
      }, ['--runInBand', ...jestArgs]),
    ),
  );
  await control.close();
}

/**
 * The chart installed on a real single-node Kubernetes (tools/devstack/k8s/): the
 * node, our images and Dapr's control plane (each cached in .local/k8s), the
 * infrastructure of this machine published into it, `helm install`, then the
 * tests in charts/cluster-test. The node is stopped at the end, and the
 * leftover check counts as a test. Needs root (namespaces, mounts, cgroups).
 */
async function clusterSuite(postgres, add, jestArgs) {
  const { clusterTestSetup, ensureClusterWithDapr, removeEarlierRelease, startOrderflowOnCluster } = await import('../tools/devstack/k8s/cluster-stack.mjs');
  if (process.getuid?.() !== 0) {
    // Not thrown: the other suites' results still print. CI requires it (.ci/run).
    const required = process.env.ORDERFLOW_REQUIRE_CLUSTER === '1';
    info(`the cluster suite needs root (namespaces, mounts, cgroups): ${required ? 'ORDERFLOW_REQUIRE_CLUSTER=1 counts it as failed' : 'SKIPPED'}; run \`sudo npm test\` (or \`sudo npm test -- cluster\`)`);
    add({ passed: 0, failed: required ? 1 : 0, skipped: required ? 0 : 1 });
    return;
  }
  // The previous suites' processes go first: the cluster's Kafka needs a listener of its own.
  await step('Stopping the previous suites\' processes', () => stopAll());
  const { ensureHelm } = await import('../tools/devstack/pieces/helm.mjs');
  const helm = await ensureHelm();
  const keep = process.env.ORDERFLOW_K8S_KEEP === '1';
  // From here on, Ctrl-C, SIGTERM (a CI timeout) or a crash stops the node too.
  const stopNode = async () => (await import('../tools/devstack/k8s/node.mjs')).down();
  clusterCleanup = keep ? null : stopNode;
  let stack;
  let setUp = false;
  try {
    await step('Local Kubernetes cluster: node, service images, Dapr\'s control plane', () => ensureClusterWithDapr({ helm }));
    await step('Removing what an earlier run left installed (the release, the tests\' namespaces)', () => removeEarlierRelease(helm));
    await step('Starting PostgreSQL', () => postgres.startPostgres({ fast: true }));
    await step('Empty cluster databases (*_cluster: the chart\'s migration hooks make every table)', () => postgres.recreateClusterDatabases());
    stack = await startOrderflowOnCluster({ helm, postgres });
    setUp = true;
    const setup = await clusterTestSetup({ publicUrl: stack.publicUrl, helm, postgres });
    add(
      await step('Cluster tests (charts/orderflow installed on the local cluster)', () =>
        jest('cluster', {
          ORDERFLOW_CLUSTER: JSON.stringify(setup),
          ORDERFLOW_KAFKA_BROKERS: `127.0.0.1:${settings.kafka.port}`,
          ORDERFLOW_MAILDEV_URL: `http://127.0.0.1:${settings.smtp.webPort}`,
        }, ['--runInBand', ...jestArgs]),
      ),
    );
  } catch (error) {
    // A set-up that failed is one failure with its step and the cluster's state (SetupError's
    // message carries the pods, events and logs); the other suites' results still print.
    if (setUp) throw error;
    process.stdout.write(`\nthe cluster suite could not be set up: ${error.message}\n${error.hint ? `  What to do: ${error.hint}\n` : ''}`);
    add({ passed: 0, failed: 1, skipped: 0 });
  } finally {
    await stack?.close();
    await stopAll();
    clusterCleanup = null;
    if (keep) {
      info('ORDERFLOW_K8S_KEEP=1: the node keeps running (the release as the tests left it); `npm run k8s -- down` stops it');
    } else {
      const { findLeftovers } = await import('../tools/devstack/k8s/leftovers.mjs');
      const left = await step('Stopping the local cluster, then checking that nothing is left on this machine', async () => {
        await stopNode();
        return findLeftovers().filter(({ found }) => found.length > 0);
      });
      for (const { what, found } of left) info(`LEFT BEHIND: ${what}: ${found.join(', ')}`);
      add({ passed: left.length === 0 ? 1 : 0, failed: left.length === 0 ? 0 : 1, skipped: 0 });
    }
  }
}

/** `npm run bench` (tools/bench/): uses the stack when it already answers on the configured ports. */
async function commandBench() {
  checkNode();
  const { runBench, stackIsRunning } = await import('../tools/bench/bench.mjs');
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

const COMMANDS = { start: commandStart, test: commandTest, infra: commandInfra, bench: commandBench };

/** While the cluster suite runs: how to stop the local cluster when npm test is interrupted or crashes. */
let clusterCleanup = null;
const stopEverything = () => Promise.resolve(clusterCleanup?.().catch(reportAndGoOn('stopping the local cluster'))).then(() => stopAll());

async function main() {
  const name = process.argv[2] ?? 'start';
  const command = COMMANDS[name];
  if (!command) throw new SetupError(`unknown command "${name}"`, { hint: `use one of: ${Object.keys(COMMANDS).join(', ')}` });
  let stopping = false;
  const stopOnSignal = (signal) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping everything ...\n`);
    stopEverything().then(() => process.exit(130));
  };
  process.on('SIGINT', () => stopOnSignal('SIGINT'));
  process.on('SIGTERM', () => stopOnSignal('SIGTERM'));
  // Whatever goes wrong, nothing we started is left running.
  const failHard = (error) => stopEverything().finally(() => exitWithError(error));
  process.on('uncaughtException', failHard);
  process.on('unhandledRejection', failHard);
  const orphans = await stopOrphans();
  if (orphans > 0) info(`stopped ${orphans} process(es) an earlier run left behind`);
  await command(...process.argv.slice(3));
}

main().catch(async (error) => {
  await stopEverything();
  exitWithError(error);
});
