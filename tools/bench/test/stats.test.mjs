// The bench's arithmetic: percentiles, one load run's numbers, runs merged, e-mail lags.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emailSummary, latencySummary, levelUnderLoad, loadSummary, mergeRuns, percentile, round } from '../stats.mjs';

describe('percentiles', () => {
  it('are nearest-rank: p50 of 1..10 is 5, p99 is 10, p0 is the smallest', () => {
    const sorted = Array.from({ length: 10 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 5);
    assert.equal(percentile(sorted, 99), 10);
    assert.equal(percentile(sorted, 0), 1);
    assert.equal(percentile([], 50), undefined);
  });

  it('sort the latencies as numbers, not as text', () => {
    assert.deepEqual(latencySummary([9, 100, 10, 2]), { p50: 9, p95: 100, p99: 100, max: 100, mean: 30.25 });
  });

  it('round to 0.01 ms, and nothing measured stays null', () => {
    assert.equal(latencySummary([1.23456]).p50, 1.23);
    assert.deepEqual(latencySummary([]), { p50: null, p95: null, p99: null, max: null, mean: null });
    assert.equal(round(undefined), null);
  });
});

describe('one load run', () => {
  const raw = { requests: 10, durationSeconds: 2, statusCounts: { 201: 6, 202: 2, 500: 2 }, errors: 1, latencyMs: [5, 1, 3], accepted: [] };

  it('counts 2xx answers as done and the rest, plus socket errors, as errors', () => {
    const run = loadSummary(raw);
    assert.equal(run.ok, 8);
    assert.equal(run.errors, 3);
    assert.equal(run.perSecond, 4);
    assert.equal(run.latency.p50, 3);
  });

  it('keeps the raw latencies apart (for merging), not in the results', () => {
    const run = loadSummary(raw);
    assert.equal(run.latencyMs, undefined);
    assert.deepEqual(run.latencies, [5, 1, 3]);
  });
});

describe('runs merged', () => {
  it('add up requests, errors and statuses, and take percentiles over all latencies together', () => {
    const a = loadSummary({ requests: 4, durationSeconds: 1, statusCounts: { 201: 4 }, errors: 0, latencyMs: [1, 1, 1, 1] });
    const b = loadSummary({ requests: 4, durationSeconds: 3, statusCounts: { 201: 3, 503: 1 }, errors: 0, latencyMs: [9, 9, 9, 9] });
    const merged = mergeRuns([a, b]);
    assert.equal(merged.requests, 8);
    assert.equal(merged.errors, 1);
    assert.deepEqual(merged.statusCounts, { 201: 7, 503: 1 });
    assert.equal(merged.perSecond, 1.8); // 7 done in 4 s, not the mean of 4/s and 1/s
    assert.equal(merged.latency.p50, 1);
    assert.equal(merged.latency.p95, 9);
  });
});

describe('e-mail lags of a level', () => {
  const report = (lagsMs, missing) => ({
    expected: lagsMs.length + missing,
    delivered: lagsMs.length,
    missing,
    duplicated: 0,
    misaddressed: 0,
    lagsMs,
    lagPrecise: true,
  });

  it('when every e-mail arrived, then p50 and p99 are those of the lags', () => {
    const lags = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(emailSummary(report(lags, 0)).lagMs, { p50: 50, p99: 99, maxDelivered: 100 });
  });

  it('when more than 1 % are missing, then p99 is unknown, not the p99 of those that came', () => {
    const summary = emailSummary(report(Array(98).fill(10), 2));
    assert.equal(summary.lagMs.p99, null);
    assert.equal(summary.lagMs.p50, 10);
    assert.equal(summary.missing, 2);
  });

  it('when 1 % is missing, then p99 is still known: the missing one counts as the latest', () => {
    assert.equal(emailSummary(report(Array(99).fill(10), 1)).lagMs.p99, 10);
  });

  it('when more than half are missing, then p50 is unknown too', () => {
    const summary = emailSummary(report([10, 10], 3));
    assert.deepEqual(summary.lagMs, { p50: null, p99: null, maxDelivered: 10 });
  });
});

describe('the level under load', () => {
  it('is the one at BENCH_LOAD_LEVEL clients when it ran', () => {
    assert.equal(levelUnderLoad([{ connections: 8 }, { connections: 32 }, { connections: 64 }], 32).connections, 32);
  });

  it('when BENCH_LEVELS left it out (BENCH_LEVELS=4), then it is the last level that ran', () => {
    assert.equal(levelUnderLoad([{ connections: 1 }, { connections: 4 }], 32).connections, 4);
    assert.equal(levelUnderLoad([], 32), undefined);
  });
});
