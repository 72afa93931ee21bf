// The bench's results as Markdown, with no I/O: the report of one run, and
// the committed summary (docs/bench-summary.md) made from it.

const show = (value, unit = '') => (value === null || value === undefined ? '–' : `${value}${unit}`);
const ms = (value) => (value === null || value === undefined ? '–' : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value}`);
/** A difference with its sign: +1.72, −1.44 (a minus sign, not a hyphen), ±0. */
const signed = (value) => (value > 0 ? `+${value}` : value < 0 ? `−${-value}` : '±0');
const mark = (met) => (met === null ? '–' : met ? '✅' : '❌');

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function ordersTable(results) {
  return table(
    ['clients', 'orders/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', '202 pending', 'e-mails in / expected', 'e-mail lag p50 ms', 'e-mail lag p99 ms', 'lost', 'dup.', 'CPU busy (of 200%)'],
    results.orders.map((l) => [
      l.connections,
      l.ordersPerSecond,
      l.latencyMs.p50,
      l.latencyMs.p95,
      l.latencyMs.p99,
      l.errors,
      l.pending,
      `${l.email?.delivered ?? '–'} / ${l.email?.expected ?? '–'}`,
      l.email?.lagMs.p50 === null ? '> bench' : ms(l.email?.lagMs.p50),
      l.email?.lagMs.p99 === null ? '> bench' : ms(l.email?.lagMs.p99),
      show(l.email?.missing),
      show((l.email?.duplicated ?? 0) + (l.email?.misaddressed ?? 0)),
      `${l.resources.machine.busyPercent}%`,
    ]),
  );
}

function sidecarTable(results) {
  return table(
    ['clients', 'path', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
    results.sidecarCost.flatMap((r) => [
      [r.connections, 'direct to payment-service', r.direct.perSecond, r.direct.latencyMs.p50, r.direct.latencyMs.p99, r.direct.errors],
      [r.connections, "through Dapr (order's sidecar → payment's sidecar → app)", r.dapr.perSecond, r.dapr.latencyMs.p50, r.dapr.latencyMs.p99, r.dapr.errors],
      [
        r.connections,
        '**Dapr / direct**',
        `×${r.ratio.throughput}`,
        `×${r.ratio.p50} (${signed(r.addedMsP50)} ms)`,
        `×${r.ratio.p99} (${signed(r.addedMsP99)} ms)`,
        '',
      ],
    ]),
  );
}

function failFastTable(results) {
  const ff = results.failFast;
  if (ff.skipped) return `Skipped: ${ff.skipped}`;
  return `${table(
    ['clients', 'requests', 'statuses', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    ff.windows.map((w) => [w.connections, w.requests, Object.entries(w.statusCounts).map(([s, n]) => `${n}× ${s}`).join(', '), w.latencyMs.p50, w.latencyMs.p95, w.latencyMs.p99, w.latencyMs.max]),
  )}\n\nThe circuit was open ${ff.tripSeconds} s after payment-service froze; after it was thawed, orders were paid again after ${show(ff.recoverySeconds, ' s')}.`;
}

function resourcesTable(results) {
  const { idle, underLoad, underLoadLevel } = results.resources;
  const names = Object.keys(underLoad ?? idle).filter((n) => n !== 'machine');
  const order = ['order-service', 'order-service-daprd', 'payment-service', 'payment-service-daprd', 'notification-service', 'notification-service-daprd'];
  names.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  return `${table(
    ['process', 'RSS idle MB', `RSS at ${underLoadLevel} clients MB (mean / max)`, `PSS at ${underLoadLevel} clients MB`, 'CPU idle %', `CPU at ${underLoadLevel} clients %`],
    names.map((name) => [
      name,
      show(idle[name]?.rssMb),
      underLoad?.[name] ? `${show(underLoad[name].rssMb)} / ${underLoad[name].rssMaxMb}` : '–',
      show(underLoad?.[name]?.pssMb),
      show(idle[name]?.cpuPercent),
      show(underLoad?.[name]?.cpuPercent),
    ]),
  )}\n\nCPU in % of one core (the machine has ${results.machine.cores}: 100% = one core busy). PSS counts a page shared by several processes (the one daprd binary the three sidecars map; the node binary the apps and MailDev map) in equal parts. Whole machine at ${underLoadLevel} clients: ${underLoad?.machine.busyPercent}% busy, of which ${underLoad?.machine.otherPercent}% by processes outside the stack and the bench.`;
}

function targetsTable(results) {
  return table(
    ['target', 'goal', 'measured', ''],
    results.targets.map((t) => [t.name, t.target, show(t.measured), mark(t.met)]),
  );
}

function machineLine(results) {
  const m = results.machine;
  return [
    `${m.cores} cores (${m.cpuModel}), ${m.memTotalGb} GB, ${m.kernel}`,
    `Node.js ${m.node}; ${m.go}; ${m.java}`,
    `daprd: ${m.daprd}; mTLS ${results.stack.sidecars?.mtls ?? 'unknown'}, trace sampling rate ${results.stack.sidecars?.traceSamplingRate ?? 'unknown'} (ORDERFLOW_TRACE_SAMPLING_RATE)`,
    `Kafka ${m.kafka}, PostgreSQL ${m.postgres} (fsync ${results.stack.postgres.fsync}, synchronous_commit ${results.stack.postgres.synchronousCommit}), MailDev ${m.maildev}, autocannon ${m.autocannon}`,
    `commit ${m.gitCommit}; load average (1/5/15 min) before ${results.loadAverage.before.join(' / ')}, after ${results.loadAverage.after.join(' / ')}`,
  ];
}

/** The report of one run; `brief`: only the tables and notes (what the console shows at the end). */
export function renderMarkdown(results, { brief = false } = {}) {
  const s = results.settings;
  const parts = [
    `### Orders: POST /orders through order-service's sidecar, ${s.durationSeconds} s per level`,
    ordersTable(results),
    `### The sidecar's cost: POST /payments, ${s.sidecarSeconds} s each path, in alternating rounds`,
    sidecarTable(results),
    `### Fail fast: payment-service frozen, circuit open, POST /orders for ${s.failFastSeconds} s`,
    failFastTable(results),
    '### Memory and CPU',
    resourcesTable(results),
    '### Targets (issue #7)',
    targetsTable(results),
  ];
  if (results.notes.length) parts.push(`**Notes on this run:**\n\n${results.notes.map((n) => `- ${n}`).join('\n')}`);
  if (brief) return parts.join('\n\n');
  return [
    `## orderflow bench — ${results.startedAt}`,
    `Command: \`${results.command}\` (${results.stack.startedByBench ? 'stack started by the bench' : 'on the running stack'}); settings: \`${JSON.stringify(s)}\``,
    `Machine: ${machineLine(results).join('  \n')}`,
    ...parts,
  ].join('\n\n');
}

/**
 * docs/bench-summary.md: the report of the latest run under a header that says
 * which command wrote it, when, on which commit, and where its full results are.
 * `resultsFile`: the run's JSON, relative to the repository.
 */
export function renderSummary(results, { resultsFile }) {
  return [
    '# Benchmark: the latest run',
    `Written by \`${results.command}\` (tools/bench) at ${results.finishedAt}, on commit ${results.machine.gitCommit}; ` +
      `the next run rewrites this file. The run's full results: \`${resultsFile}\` on the machine that ran it (not in git). ` +
      'What the bench measures, its settings, and how to compare two commits side by side: [tools/bench/README.md](../tools/bench/README.md).',
    renderMarkdown(results),
  ].join('\n\n');
}

/**
 * Several runs side by side, one column each (e.g. the commit before and the commit after,
 * alternated: before, after, before, after): for each level, orders/s, p50 and p99, and
 * the e-mails lost or duplicated; then the sidecar's cost and the apps' memory.
 * `runs`: [{ label, results }] where label says where the run came from (its file).
 */
export function renderComparison(runs) {
  const levels = [...new Set(runs.flatMap(({ results }) => results.orders.map((l) => l.connections)))].sort((a, b) => a - b);
  const level = (results, connections) => results.orders.find((l) => l.connections === connections);
  const rows = [
    ['run', ...runs.map(({ label }) => label)],
    ['commit', ...runs.map(({ results }) => results.machine.gitCommit)],
    ['started', ...runs.map(({ results }) => results.startedAt)],
    ['command', ...runs.map(({ results }) => `\`${results.command}\``)],
  ];
  for (const connections of levels) {
    const at = (pick) => runs.map(({ results }) => {
      const l = level(results, connections);
      return l ? pick(l) : '–';
    });
    rows.push([`orders/s at ${connections}`, ...at((l) => l.ordersPerSecond)]);
    rows.push([`p50 / p99 ms at ${connections}`, ...at((l) => `${l.latencyMs.p50} / ${l.latencyMs.p99}`)]);
    rows.push([`e-mails lost / dup. at ${connections}`, ...at((l) => `${show(l.email?.missing)} / ${show((l.email?.duplicated ?? 0) + (l.email?.misaddressed ?? 0))}`)]);
  }
  const sidecar = (results) => results.sidecarCost.find((r) => r.connections === 1) ?? results.sidecarCost[0];
  rows.push([
    `Dapr adds at p50 (${show(sidecar(runs[0].results)?.connections)} client(s))`,
    ...runs.map(({ results }) => (sidecar(results) ? `${signed(sidecar(results).addedMsP50)} ms` : '–')),
  ]);
  for (const service of ['order-service', 'payment-service', 'notification-service']) {
    rows.push([`${service} RSS max under load MB`, ...runs.map(({ results }) => show(results.resources.underLoad?.[service]?.rssMaxMb))]);
  }
  return table(rows[0], rows.slice(1));
}
