// The bench's arithmetic, with no I/O: percentiles, one load run's numbers,
// several runs merged, and a level's e-mail lags.

/** Nearest-rank percentile of an ascending array (p in 0..100); undefined when empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : undefined,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : undefined,
  };
}

export const round = (value, digits = 1) => (value === undefined || value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);

/** p50, p95, p99, max and mean of latencies in ms, to 0.01 ms. */
export function latencySummary(values) {
  const s = summarize(values);
  return { p50: round(s.p50, 2), p95: round(s.p95, 2), p99: round(s.p99, 2), max: round(s.max, 2), mean: round(s.mean, 2) };
}

/** How many answers were 2xx. */
function okCount(statusCounts) {
  return Object.entries(statusCounts)
    .filter(([status]) => Number(status) >= 200 && Number(status) < 300)
    .reduce((sum, [, count]) => sum + count, 0);
}

/**
 * One load run as the load generator wrote it (tools/bench/load.mjs), with its
 * numbers: `ok` (2xx), `errors` (non-2xx answers plus socket errors and
 * timeouts), `perSecond` (2xx per second) and `latency`. The raw latencies move
 * to `latencies` (for merging runs); they are not kept in the results.
 */
export function loadSummary(raw) {
  const ok = okCount(raw.statusCounts);
  return {
    ...raw,
    latencyMs: undefined,
    latencies: raw.latencyMs,
    ok,
    errors: raw.requests - ok + raw.errors,
    perSecond: round(ok / raw.durationSeconds),
    latency: latencySummary(raw.latencyMs),
  };
}

/** Several runs of one kind (loadSummary's), merged: their requests, statuses and latencies added up. */
export function mergeRuns(runs) {
  const statusCounts = {};
  for (const run of runs) for (const [status, n] of Object.entries(run.statusCounts)) statusCounts[status] = (statusCounts[status] ?? 0) + n;
  const seconds = runs.reduce((sum, r) => sum + r.durationSeconds, 0);
  const ok = runs.reduce((sum, r) => sum + r.ok, 0);
  return {
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    statusCounts,
    perSecond: round(ok / seconds),
    latency: latencySummary(runs.flatMap((r) => r.latencies)),
  };
}

/**
 * The level whose memory and CPU count as "under load": the one at `wanted`
 * clients (BENCH_LOAD_LEVEL), else the last one that ran; undefined when none ran.
 */
export function levelUnderLoad(levels, wanted) {
  return levels.find((level) => level.connections === wanted) ?? levels.at(-1);
}

/**
 * A level's e-mails (Inbox.report) as the results show them. An e-mail still
 * missing has a lag longer than the bench waited, so it counts as infinitely
 * late: p50 is unknown (null) once more than half are missing, p99 once more
 * than 1 % are.
 */
export function emailSummary(emails) {
  const withMissing = summarize([...emails.lagsMs, ...Array(emails.missing).fill(Infinity)]);
  return {
    expected: emails.expected,
    delivered: emails.delivered,
    missing: emails.missing,
    duplicated: emails.duplicated,
    misaddressed: emails.misaddressed,
    lagMs: {
      p50: emails.missing > emails.expected * 0.5 ? null : round(withMissing.p50),
      p99: emails.missing > emails.expected * 0.01 ? null : round(withMissing.p99),
      maxDelivered: round(summarize(emails.lagsMs).max),
    },
    lagPrecise: emails.lagPrecise,
  };
}
