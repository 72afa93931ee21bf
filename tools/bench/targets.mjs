// The bench's verdict on a run, with no I/O: the targets of issue #7 met or
// missed, and notes on what may have disturbed the numbers.

/** The goals of issue #7, each with what this run measured and whether it met it (null: not measured). */
export function evaluateTargets(results) {
  const at = (n) => results.orders.find((l) => l.connections === n);
  const level32 = at(32);
  const targets = [];
  const add = (name, target, measured, met) => targets.push({ name, target, measured, met: measured === null || measured === undefined ? null : met });
  add('orders/s at 32 clients', '≥ 300', level32?.ordersPerSecond, level32 && level32.ordersPerSecond >= 300);
  add('p99 latency at 32 clients', '≤ 250 ms', level32?.latencyMs.p99, level32 && level32.latencyMs.p99 <= 250);
  const lost = results.orders.reduce((sum, l) => sum + (l.email?.missing ?? 0), 0);
  const duplicated = results.orders.reduce((sum, l) => sum + (l.email?.duplicated ?? 0) + (l.email?.misaddressed ?? 0), 0);
  add('lost e-mails (all levels; missing at the end of the bench)', '0', lost, lost === 0);
  add('duplicated or misaddressed e-mails (all levels)', '0', duplicated, duplicated === 0);
  const lag32 = level32?.email?.lagMs.p99;
  add('e-mail lag p99 at 32 clients (ms)', '≤ 2000', lag32 ?? (level32 ? 'unknown (e-mails missing)' : null), lag32 !== null && lag32 <= 2000);
  const c1 = results.sidecarCost.find((r) => r.connections === 1) ?? results.sidecarCost[0];
  add(`Dapr invocation adds at p50 (${c1?.connections} client(s), ms)`, '≤ 1.5', c1?.addedMsP50, c1 && c1.addedMsP50 <= 1.5);
  for (const window of results.failFast.windows ?? []) {
    add(`fail-fast p99, circuit open, ${window.connections} client(s) (ms)`, '≤ 20', window.latencyMs.p99, window.latencyMs.p99 <= 20);
  }
  const load = results.resources.underLoad ?? {};
  for (const service of ['order-service', 'payment-service', 'notification-service']) {
    const app = load[service];
    add(`${service} RSS under load (max, MB)`, '≤ 150', app?.rssMaxMb, app && app.rssMaxMb <= 150);
    const daprd = load[`${service}-daprd`];
    add(`${service} daprd RSS under load (max, MB)`, '≤ 80', daprd?.rssMaxMb, daprd && daprd.rssMaxMb <= 80);
  }
  return targets;
}

/** What disturbed this run, in sentences for the report. */
export function notesOn(results) {
  const notes = [];
  const cores = results.machine.cores;
  for (const level of results.orders) {
    const other = level.resources.machine.otherPercent;
    if (other > 10) notes.push(`While ${level.connections} clients ran, processes outside the stack and the bench used ${other}% of a core: the numbers of that level are disturbed.`);
  }
  for (const row of results.sidecarCost) {
    for (const [path, r] of [['direct', row.direct], ['Dapr', row.dapr]]) {
      if (r.otherPercent > 10) notes.push(`During the ${path} POST /payments run at ${row.connections} clients, processes outside the stack used ${r.otherPercent}% of a core.`);
    }
  }
  const [before] = results.loadAverage.before;
  if (before > cores * 0.5) notes.push(`The 1-minute load average was ${before} when the bench started (${cores} cores): something else was running.`);
  if (results.circuitOpenedBySidecarRuns) {
    notes.push(
      "The circuit to payment-service was open after the POST /payments runs: the load generator's last calls were cancelled when it closed its connections, and order-service's sidecar counts a cancelled invocation as a failure. The bench waits until orders are paid again.",
    );
  }
  if (results.stack.postgres.fsync === 'off') notes.push('PostgreSQL ran with fsync=off (a test cluster started by npm test): commits are cheaper than in a durable set-up.');
  if (!results.emails.lagFromFileTimes) notes.push("Some e-mail lags come from MailDev's Date header (whole seconds), not from its .eml files.");
  return notes;
}
