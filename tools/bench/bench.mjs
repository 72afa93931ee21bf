// `npm run bench`: throughput, latency, e-mail lag and the sidecar's cost of the
// running stack (scripts/orderflow.mjs starts it first when it is not running).
//
//  1. Orders: POST /orders through order-service's sidecar at fixed client counts
//     (closed loop, autocannon in its own process), each for a fixed time; every
//     accepted order must become exactly one e-mail in MailDev (counted).
//  2. The sidecar's cost: the same POST /payments straight to payment-service and
//     through Dapr service invocation (order's sidecar → payment's sidecar → app).
//  3. Fail fast: payment-service frozen (SIGSTOP), the circuit open: POST /orders.
//  4. Memory and CPU of each app and sidecar, idle and under load.
// Results: .local/bench/results/ (not in git) and docs/bench-summary.md, the
// one committed summary (tools/bench/results.mjs); tools/bench/README.md.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { databaseUrl, httpAnswers, info, kafkaVersion, LOCAL, reportAndGoOn, ROOT, settings, SetupError, signDevToken, step } from './devstack.mjs';
import { Inbox } from './inbox.mjs';
import { benchCommand, benchSettings } from './config.mjs';
import { findStackProcesses, machineFacts, ResourceSampler, sidecarFacts } from './measure.mjs';
import { renderMarkdown } from './report.mjs';
import { writeResults } from './results.mjs';
import { emailSummary, levelUnderLoad, loadSummary, mergeRuns, round } from './stats.mjs';
import { evaluateTargets, notesOn } from './targets.mjs';

const require = createRequire(import.meta.url);
const LOAD_SCRIPT = fileURLToPath(new URL('./load.mjs', import.meta.url));
const mailDevUrl = `http://127.0.0.1:${settings.smtp.webPort}`;
const sidecar = (service) => `http://127.0.0.1:${settings.apps[service].httpPort}`;
const ORDERS_URL = `${sidecar('order-service')}/v1.0/invoke/order-service/method/orders`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------
// Is the stack there?

/** True when every sidecar and app answers on the configured ports (then the bench uses them as they are). */
export async function stackIsRunning() {
  for (const ports of Object.values(settings.apps)) {
    if (!(await httpAnswers(`http://127.0.0.1:${ports.httpPort}/v1.0/healthz`))) return false;
    if (!(await httpAnswers(`http://127.0.0.1:${ports.appPort}/health/ready`))) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// One load run, in its own process

let loadRuns = 0;

/**
 * This run's API tokens (.local/run/tokens.json, written when the stack starts):
 * a client of a sidecar sends its "dapr" token; a direct call to an app, its "app" token.
 */
function tokenHeaders(url) {
  const tokens = JSON.parse(fs.readFileSync(path.join(LOCAL, 'run', 'tokens.json'), 'utf8'));
  for (const [service, ports] of Object.entries(settings.apps)) {
    if (url.startsWith(`http://127.0.0.1:${ports.httpPort}/`)) return { 'dapr-api-token': tokens[service].dapr };
    if (url.startsWith(`http://127.0.0.1:${ports.appPort}/`)) return { 'dapr-api-token': tokens[service].app };
  }
  return {};
}

/**
 * Runs tools/bench/load.mjs and returns its result plus the summary of its
 * latencies. The sampler (if given) counts the load generator's own CPU.
 */
async function runLoad(spec, sampler) {
  spec = { ...spec, headers: { ...tokenHeaders(spec.url), ...spec.headers } };
  loadRuns += 1;
  const out = path.join(os.tmpdir(), `orderflow-bench-${process.pid}-${loadRuns}.json`);
  const child = spawn(process.execPath, [LOAD_SCRIPT, JSON.stringify({ ...spec, out })], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? signal)));
  if (code !== 0) throw new SetupError(`the load generator exited with ${code} (${spec.kind}, ${spec.connections} connections)`);
  const result = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  sampler?.addExternal('load generator', result);
  return loadSummary(result);
}

// ---------------------------------------------------------------------------------------
// Phases

async function warmUp(config, inbox) {
  const result = await runLoad({ kind: 'order', url: ORDERS_URL, connections: 8, durationSeconds: config.warmupSeconds, tag: `w${Date.now().toString(36)}` });
  inbox.expect('warm-up', result.accepted);
  const drained = await inbox.drain(config.drainSeconds * 1000);
  if (drained) await inbox.clearIfComplete();
  info(`warm-up: ${result.ok} orders (${result.perSecond}/s), e-mails ${drained ? 'all in' : `${inbox.missing('warm-up')} still missing`}`);
}

async function orderLevel(connections, config, inbox, stack) {
  const sampler = trackStack(stack);
  sampler.start();
  const loadBefore = os.loadavg()[0];
  const result = await runLoad(
    { kind: 'order', url: ORDERS_URL, connections, durationSeconds: config.durationSeconds, tag: `c${connections}-${Date.now().toString(36)}` },
    sampler,
  );
  const resources = sampler.stop();
  const group = `orders@${connections}`;
  inbox.expect(group, result.accepted);
  const drainStarted = Date.now();
  const drained = await inbox.drain(config.drainSeconds * 1000);
  const drainSeconds = round((Date.now() - drainStarted) / 1000);
  const cleared = drained && (await inbox.clearIfComplete());
  const level = {
    connections,
    seconds: result.durationSeconds,
    requests: result.requests,
    ordersPerSecond: result.perSecond,
    paid: result.statusCounts['201'] ?? 0,
    pending: result.statusCounts['202'] ?? 0,
    errors: result.errors,
    statusCounts: result.statusCounts,
    latencyMs: result.latency,
    drainSeconds,
    drained,
    inboxCleared: cleared,
    resources,
    loadAverage: { before: round(loadBefore, 2), after: round(os.loadavg()[0], 2) },
  };
  info(
    `${connections} clients: ${level.ordersPerSecond} orders/s, p50 ${level.latencyMs.p50} ms, p99 ${level.latencyMs.p99} ms, ` +
      `errors ${level.errors}, 202 ${level.pending}; e-mails ${drained ? `all in after ${drainSeconds}s` : `${inbox.missing(group)} of ${result.accepted.length} not in after ${drainSeconds}s`}; ` +
      `CPU busy ${resources.machine.busyPercent}% (other processes ${resources.machine.otherPercent}%)`,
  );
  return level;
}

/**
 * The same POST /payments straight to payment-service and through Dapr service
 * invocation, in alternating rounds (direct, Dapr, direct, Dapr), so that anything
 * else the machine does at the time weighs on both alike.
 */
async function sidecarCost(connections, config, stack) {
  const payment = settings.apps['payment-service'];
  const tag = `p${connections}-${Date.now().toString(36)}`;
  const rounds = 2;
  const common = { kind: 'payment', connections, durationSeconds: config.sidecarSeconds / rounds };
  const samplerDirect = trackStack(stack);
  const samplerDapr = trackStack(stack);
  const directRuns = [];
  const daprRuns = [];
  for (let round = 0; round < rounds; round += 1) {
    samplerDirect.start();
    directRuns.push(await runLoad({ ...common, url: `http://127.0.0.1:${payment.appPort}/payments`, tag: `${tag}d${round}` }, samplerDirect));
    samplerDirect.pause();
    samplerDapr.start();
    daprRuns.push(await runLoad({ ...common, url: `${sidecar('order-service')}/v1.0/invoke/payment-service/method/payments`, tag: `${tag}s${round}` }, samplerDapr));
    samplerDapr.pause();
    // The calls the load generator cancelled at its end may have opened the circuit (see runBench).
    if (round < rounds - 1) await untilPaid(`${tag}-settle${round}-`);
  }
  const direct = mergeRuns(directRuns);
  const dapr = mergeRuns(daprRuns);
  const directResources = samplerDirect.stop();
  const daprResources = samplerDapr.stop();
  const view = (r, resources) => ({
    requests: r.requests,
    perSecond: r.perSecond,
    errors: r.errors,
    statusCounts: r.statusCounts,
    latencyMs: r.latency,
    machineBusyPercent: resources.machine.busyPercent,
    otherPercent: resources.machine.otherPercent,
  });
  const row = {
    connections,
    seconds: config.sidecarSeconds,
    rounds,
    direct: view(direct, directResources),
    dapr: view(dapr, daprResources),
    addedMsP50: round(dapr.latency.p50 - direct.latency.p50, 2),
    addedMsP99: round(dapr.latency.p99 - direct.latency.p99, 2),
    ratio: {
      p50: round(dapr.latency.p50 / direct.latency.p50, 2),
      p99: round(dapr.latency.p99 / direct.latency.p99, 2),
      throughput: round(dapr.perSecond / direct.perSecond, 2),
    },
  };
  info(
    `${connections} clients: direct ${direct.perSecond}/s p50 ${direct.latency.p50} ms; through Dapr ${dapr.perSecond}/s p50 ${dapr.latency.p50} ms ` +
      `(+${row.addedMsP50} ms at p50)`,
  );
  return row;
}

async function postOrder(tag) {
  const started = performance.now();
  const customer = { id: tag, firstName: 'Ada', lastName: 'Lovelace', email: `${tag}@bench.example.com` };
  const response = await fetch(ORDERS_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...tokenHeaders(ORDERS_URL), authorization: `Bearer ${signDevToken(customer.id)}` },
    body: JSON.stringify({ customer, items: [{ productId: 'lamp-3', name: 'Desk lamp', quantity: 1, unitPrice: '39.00' }], currency: 'EUR', paymentMethod: 'VISA' }),
    signal: AbortSignal.timeout(15_000),
  });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

/**
 * Sends one order at a time until one is paid (201): after anything that may have
 * opened the circuit. Returns how long that took (null: not within `timeoutMs`)
 * and whether the first answer was an immediate 202 (the circuit was open).
 */
async function untilPaid(tag, timeoutMs = 45_000) {
  const started = Date.now();
  let firstWasOpen;
  for (let i = 0; Date.now() - started < timeoutMs; i += 1) {
    const probe = await postOrder(`${tag}${i}`);
    firstWasOpen ??= probe.status === 202 && probe.ms < 200;
    if (probe.status === 201) return { seconds: round((Date.now() - started) / 1000), firstWasOpen };
    await sleep(500);
  }
  return { seconds: null, firstWasOpen };
}

/**
 * payment-service frozen (SIGSTOP: it accepts connections and answers nothing),
 * orders sent until the sidecar's circuit breaker opens (dapr/resiliency.yaml:
 * 5 failures in a row), then POST /orders measured with the circuit open. The
 * circuit lets a trial call through 15 s after it opened, so the measured
 * windows end before that. payment-service is always thawed, and the bench
 * waits until an order is paid again.
 */
async function failFast(config, stack) {
  const pid = stack['payment-service']?.pid;
  if (!pid) return { skipped: 'payment-service PID not found (neither in .local/run/processes.json nor listening on its port)' };
  const tag = `ff${Date.now().toString(36)}`;
  const windows = [];
  let tripSeconds;
  let thawed = false;
  const thaw = () => {
    if (thawed) return;
    thawed = true;
    signalUnlessGone(pid, 'SIGCONT');
  };
  const before = await untilPaid(`${tag}-ready`);
  if (before.seconds === null) return { skipped: 'orders were not being paid before payment-service was frozen' };
  process.once('exit', thaw); // even when the bench is interrupted
  process.kill(pid, 'SIGSTOP');
  const frozenAt = Date.now();
  try {
    // Six at once: each waits for the sidecar's timeout and retry, and fails.
    await Promise.all(Array.from({ length: 6 }, (_, i) => postOrder(`${tag}-trip${i}`)));
    let open = false;
    for (let i = 0; i < 60 && !open; i += 1) {
      const probe = await postOrder(`${tag}-probe${i}`);
      open = probe.status === 202 && probe.ms < 200;
    }
    if (!open) return { skipped: 'the circuit did not open within the probes (is dapr/resiliency.yaml applied?)' };
    tripSeconds = round((Date.now() - frozenAt) / 1000);
    for (const connections of config.failFastConnections) {
      const result = await runLoad({ kind: 'order', url: ORDERS_URL, connections, durationSeconds: config.failFastSeconds, tag: `${tag}-c${connections}` });
      windows.push({ connections, seconds: result.durationSeconds, requests: result.requests, statusCounts: result.statusCounts, errors: result.errors, latencyMs: result.latency });
      info(`circuit open, ${connections} clients: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, statuses ${JSON.stringify(result.statusCounts)}`);
    }
  } finally {
    thaw();
    process.removeListener('exit', thaw);
  }
  // Recovery: the circuit half-opens 15 s after it opened, one trial call closes it.
  const recovery = await untilPaid(`${tag}-back`);
  const recoverySeconds = recovery.seconds;
  info(recoverySeconds === null ? 'payment-service thawed, but no order was paid within 45 s' : `payment-service thawed: orders paid again after ${recoverySeconds}s`);
  return { tripSeconds, windows, recoverySeconds };
}

function trackStack(stack) {
  const sampler = new ResourceSampler();
  for (const [name, { pid }] of Object.entries(stack)) sampler.track(name, pid, { tree: name === 'postgres' });
  sampler.track('bench (this process)', process.pid);
  return sampler;
}

async function idleResources(stack, seconds = 5) {
  const sampler = trackStack(stack);
  sampler.start();
  await sleep(seconds * 1000);
  return sampler.stop();
}

/** PostgreSQL's version and durability settings, and what became of the e-mails still missing at the end. */
async function database(missingReferences) {
  const { Client } = require('pg');
  const facts = { version: 'unknown', fsync: 'unknown', synchronousCommit: 'unknown' };
  const notifications = new Client({ connectionString: databaseUrl('notification-service') });
  try {
    await notifications.connect();
    facts.version = (await notifications.query('show server_version')).rows[0].server_version;
    facts.fsync = (await notifications.query('show fsync')).rows[0].fsync;
    facts.synchronousCommit = (await notifications.query('show synchronous_commit')).rows[0].synchronous_commit;
    if (missingReferences.length) {
      const { rows } = await notifications.query(
        'select status, count(*)::int as n from notifications where order_reference = any($1) group by status',
        [missingReferences],
      );
      facts.missingByNotificationStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
      const known = rows.reduce((sum, r) => sum + r.n, 0);
      facts.missingByNotificationStatus['no notification yet (outbox or Kafka)'] = missingReferences.length - known;
    }
  } catch (error) {
    facts.error = error.message;
  } finally {
    await notifications.end().catch(reportAndGoOn('closing the connection to the notification database'));
  }
  return facts;
}

// ---------------------------------------------------------------------------------------

export async function runBench({ startedHere }) {
  const config = benchSettings();
  const started = new Date();
  const loadAverageBefore = os.loadavg().map((v) => round(v, 2));
  const stack = findStackProcesses();
  const missingNames = ['order-service', 'payment-service', 'notification-service']
    .flatMap((s) => [s, `${s}-daprd`])
    .filter((name) => !stack[name]);
  if (missingNames.length) info(`not found (no memory/CPU for them): ${missingNames.join(', ')}`);

  const inbox = new Inbox(mailDevUrl);
  try {
    await inbox.clear();
  } catch (error) {
    throw new SetupError(`MailDev does not answer at ${mailDevUrl} (${error.message}); the bench counts e-mails there`, {
      hint: 'start the stack with npm start (or set MAILDEV_WEB_PORT to where MailDev runs)',
    });
  }

  await step(`Warming up (${config.warmupSeconds}s of orders at 8 clients)`, () => warmUp(config, inbox));
  const idle = await step('Resources at rest (5s)', () => idleResources(stack));

  const levels = [];
  for (const connections of config.levels) {
    levels.push(await step(`Orders at ${connections} concurrent clients for ${config.durationSeconds}s`, () => orderLevel(connections, config, inbox, stack)));
  }
  const reconciled = await step('Waiting for the e-mails still missing', async () => {
    const drained = await inbox.drain(config.drainSeconds * 1000);
    info(drained ? 'every accepted order has its e-mail' : `${inbox.missing()} e-mails still missing`);
    return drained;
  });
  const missingReferences = [...inbox.orders.entries()].filter(([, o]) => o.deliveries.length === 0).map(([reference]) => reference);
  for (const level of levels) {
    level.email = emailSummary(inbox.report(`orders@${level.connections}`));
  }
  if (reconciled) await inbox.clearIfComplete();

  const sidecarRows = [];
  for (const connections of config.sidecarConnections) {
    sidecarRows.push(await step(`The sidecar's cost: POST /payments direct vs through Dapr, ${connections} clients`, () => sidecarCost(connections, config, stack)));
  }
  // autocannon ends a run by closing its connections, cancelling the calls in flight; the
  // caller's sidecar counts each cancelled invocation as a failure, which can open the circuit.
  const settled = await step('Waiting until orders are paid again', () => untilPaid(`settle${Date.now().toString(36)}-`));
  const failFastResult = await step('Fail fast: payment-service frozen, circuit open', () => failFast(config, stack));

  const db = await database(missingReferences);
  const machine = machineFacts({ daprdPid: stack['order-service-daprd']?.pid, postgresVersion: db.version, kafkaVersion: kafkaVersion() });
  // The table says at which level it measured: BENCH_LEVELS may not include BENCH_LOAD_LEVEL.
  const underLoad = levelUnderLoad(levels, config.loadLevel);
  const results = {
    command: benchCommand(),
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    settings: config,
    stack: {
      startedByBench: startedHere,
      processes: stack,
      postgres: { fsync: db.fsync, synchronousCommit: db.synchronousCommit },
      sidecars: sidecarFacts(stack['order-service-daprd']?.pid),
    },
    machine,
    loadAverage: { before: loadAverageBefore, after: os.loadavg().map((v) => round(v, 2)) },
    orders: levels,
    emails: {
      reconciled,
      missingAtEnd: missingReferences.length,
      missingByNotificationStatus: db.missingByNotificationStatus,
      unmatched: inbox.unmatched,
      lagFromFileTimes: inbox.coarse === 0,
    },
    sidecarCost: sidecarRows,
    circuitOpenedBySidecarRuns: settled.firstWasOpen,
    failFast: failFastResult,
    resources: { idle, underLoad: underLoad?.resources, underLoadLevel: underLoad?.connections ?? config.loadLevel },
  };
  results.targets = evaluateTargets(results);
  results.notes = notesOn(results);
  const written = writeResults(results);
  info(`results: ${written.map((file) => path.relative(ROOT, file)).join(', ')}`);
  process.stdout.write(`\n${renderMarkdown(results, { brief: true })}\n`);
  return results;
}
