// The test suites `npm test` runs: services, chart, e2e, cluster. Each sets up
// what it needs (stack.mjs), runs its Jest project (or Node's test runner, or
// go test) and adds its counts; `npm test` prints "tests: N passed, N failed".
import fs from 'node:fs';
import path from 'node:path';
import { stopAll } from './lib/processes.mjs';
import { LOCAL, ROOT, settings } from './lib/settings.mjs';
import { info, run, SetupError, step } from './lib/step.mjs';
import { postgresRestartSkipReason, prepare, startFaultInjection, startMessagingAndMail, startSentryAndApps, whileRunning } from './stack.mjs';

export const SUITES = ['services', 'chart', 'e2e', 'cluster'];

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

/** The folders of Node-test-runner tests: the dev platform's own and the bench's. */
export const NODE_TEST_FOLDERS = [path.join('tools', 'devstack', 'test'), path.join('tools', 'bench', 'test')];

/**
 * The dev platform's own tests (tools/devstack/test/*.test.mjs) and the bench's
 * (tools/bench/test/*.test.mjs), on Node's test runner.
 */
async function launcherTests() {
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...NODE_TEST_FOLDERS.map((folder) => path.join(ROOT, folder))], {
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
 * Runs the suites named (all of SUITES when none), further arguments to Jest
 * (a file name, -t "name"); returns the totals.
 */
export async function runSuites(suites, jestArgs) {
  const unknown = suites.filter((suite) => !SUITES.includes(suite));
  if (unknown.length) throw new SetupError(`unknown test suite "${unknown[0]}"`, { hint: `use ${SUITES.join(', ')}, or nothing for all` });
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
            ORDER_TEST_DATABASE_URL: postgres.databaseUrl('order-service', { variant: 'test' }),
            PAYMENT_TEST_DATABASE_URL: postgres.databaseUrl('payment-service', { variant: 'test' }),
            NOTIFICATION_TEST_DATABASE_URL: postgres.databaseUrl('notification-service', { variant: 'test' }),
          },
          jestArgs,
        ),
      ),
    );
    add(await step(`Launcher and bench tests (node --test ${NODE_TEST_FOLDERS.join(' ')})`, () => launcherTests()));
    if (!toolchain.system) {
      const { goTests } = await import('./pieces/dapr-toolchain.mjs');
      add(await step('Go tests of our daprd build (dapr/daprd)', () => goTests()));
    }
  }
  if (suites.includes('chart')) {
    const { piece: chartTools, chartTestEnvironment } = await import('./pieces/helm.mjs');
    const tools = await step('Helm, kubeconform and the Kubernetes and Dapr schemas', () => chartTools.install());
    add(await step('Helm chart tests (offline)', () => jest('chart', chartTestEnvironment(tools), jestArgs)));
  }
  if (suites.includes('e2e')) add(await endToEnd(toolchain, python, jestArgs));
  if (suites.includes('cluster')) add(await clusterSuite(postgres, jestArgs));

  await step('Stopping everything', () => stopAll());
  return totals;
}

async function endToEnd(toolchain, python, jestArgs) {
  // e2e/polyglot.test.ts runs the example client on Dapr's Python SDK (examples/python-sdk).
  const { ensurePythonSdk } = await import('./pieces/python.mjs');
  await step("Dapr's Python SDK (examples/python-sdk) in .local/python-sdk", () => ensurePythonSdk());
  await startMessagingAndMail({ throwAway: true });
  const { sidecarEnvironment } = await import('./lib/apps.mjs');
  const faults = await startFaultInjection(toolchain);
  const { tokens, sentry } = await startSentryAndApps(toolchain);
  const control = await faults.startControl(tokens);
  const counts = await step('End-to-end tests (real sidecars, Kafka, MailDev)', () =>
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
      // The drills' control channel (lib/control.mjs) and the SMTP port the sidecars use.
      ORDERFLOW_CONTROL_URL: control.url,
      ORDERFLOW_CONTROL_TOKEN: control.token,
      ORDERFLOW_SMTP_PROXY_PORT: String(faults.smtpProxy.port),
      ORDERFLOW_POSTGRES_RESTART_SKIP: postgresRestartSkipReason() ?? '',
      // One file at a time: the fault-injection tests freeze shared processes.
    }, ['--runInBand', ...jestArgs]),
  );
  await control.close();
  return counts;
}

/**
 * The chart installed on a real single-node Kubernetes (k8s/): the node, our
 * images and Dapr's control plane (each cached in .local/k8s), the
 * infrastructure of this machine published into it, `helm install`, then the
 * tests in charts/cluster-test. The node is stopped at the end, and the
 * leftover check counts as a test. Needs root (namespaces, mounts, cgroups).
 */
async function clusterSuite(postgres, jestArgs) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const add = (counts) => {
    for (const key of Object.keys(totals)) totals[key] += counts[key];
  };
  const { clusterTestSetup, ensureClusterWithDapr, removeEarlierRelease, startOrderflowOnCluster } = await import('./k8s/cluster-stack.mjs');
  if (process.getuid?.() !== 0) {
    // Not thrown: the other suites' results still print. CI requires it (.ci/run).
    const required = process.env.ORDERFLOW_REQUIRE_CLUSTER === '1';
    info(`the cluster suite needs root (namespaces, mounts, cgroups): ${required ? 'ORDERFLOW_REQUIRE_CLUSTER=1 counts it as failed' : 'SKIPPED'}; run \`sudo npm test\` (or \`sudo npm test -- cluster\`)`);
    return { passed: 0, failed: required ? 1 : 0, skipped: required ? 0 : 1 };
  }
  // The previous suites' processes go first: the cluster's Kafka needs a listener of its own.
  await step('Stopping the previous suites\' processes', () => stopAll());
  const { ensureHelm } = await import('./pieces/helm.mjs');
  const helm = await ensureHelm();
  const keep = process.env.ORDERFLOW_K8S_KEEP === '1';
  // From here on, Ctrl-C, SIGTERM (a CI timeout) or a crash stops the node too.
  const stopNode = async () => (await import('./k8s/node.mjs')).down();
  whileRunning(keep ? null : stopNode);
  let stack;
  let setUp = false;
  try {
    await step('Local Kubernetes cluster: node, service images, Dapr\'s control plane', () => ensureClusterWithDapr({ helm }));
    await step('Removing what an earlier run left installed (the release, the tests\' namespaces)', () => removeEarlierRelease(helm));
    await step('Starting PostgreSQL', () => postgres.piece.start({ fast: true }));
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
    whileRunning(null);
    if (keep) {
      info('ORDERFLOW_K8S_KEEP=1: the node keeps running (the release as the tests left it); `npm run k8s -- down` stops it');
    } else {
      const { findLeftovers } = await import('./k8s/leftovers.mjs');
      const left = await step('Stopping the local cluster, then checking that nothing is left on this machine', async () => {
        await stopNode();
        return findLeftovers().filter(({ found }) => found.length > 0);
      });
      for (const { what, found } of left) info(`LEFT BEHIND: ${what}: ${found.join(', ')}`);
      add({ passed: left.length === 0 ? 1 : 0, failed: left.length === 0 ? 0 : 1, skipped: 0 });
    }
  }
  return totals;
}
