// The report and the committed summary, rendered from a real run's results
// (the run of 2026-11-25 that docs/bench-summary.md was seeded with).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderComparison, renderMarkdown, renderSummary } from '../report.mjs';
import { writeResults } from '../results.mjs';

/** The lines from the heading that starts with `heading` to the next heading. */
const section = (markdown, heading) => markdown.slice(markdown.indexOf(heading)).split(/\n(?=###? )/)[0];
const run = () => JSON.parse(fs.readFileSync(new URL('./fixtures/run-2026-11-25.json', import.meta.url), 'utf8'));

describe('the report of a run', () => {
  it('has one row per level with its throughput, latencies and e-mails', () => {
    const markdown = renderMarkdown(run());
    assert.match(markdown, /^\| 32 \| 215\.6 \| 142\.49 \| 238\.39 \| 295\.06 \| 0 \| 0 \| 4329 \/ 4329 \| 2044\.3 \| 5333\.3 \| 0 \| 0 \| 198\.2% \|$/m);
    const orders = section(markdown, '### Orders');
    assert.deepEqual(orders.match(/^\| \d+ \|/gm), ['| 1 |', '| 8 |', '| 32 |', '| 64 |']);
  });

  it('states the sidecar\'s cost as two numbers measured side by side, and their ratio and difference (a negative one with a minus sign)', () => {
    const markdown = renderMarkdown(run());
    assert.match(markdown, /^\| 1 \| direct to payment-service \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 0 \|$/m);
    assert.match(markdown, /^\| 1 \| through Dapr \(order's sidecar → payment's sidecar → app\) \| [\d.]+ \| /m);
    assert.match(markdown, /^\| 1 \| \*\*Dapr \/ direct\*\* \| ×0\.71 \| ×1\.6 \(\+1\.72 ms\) \| ×0\.91 \(−1\.44 ms\) \|  \|$/m);
  });

  it('says when an e-mail lag is unknown because e-mails were still missing', () => {
    const results = run();
    results.orders[2].email.lagMs.p99 = null;
    assert.match(renderMarkdown(results), /^\| 32 \| .* \| 2044\.3 \| > bench \| /m);
  });

  it('says why the fail-fast phase was skipped instead of drawing its table', () => {
    const results = run();
    results.failFast = { skipped: 'payment-service PID not found' };
    assert.match(renderMarkdown(results), /Skipped: payment-service PID not found/);
  });

  it('keeps only the tables and notes when brief (what the console shows)', () => {
    const brief = renderMarkdown(run(), { brief: true });
    assert.doesNotMatch(brief, /^## orderflow bench/m);
    assert.doesNotMatch(brief, /^Machine:/m);
    assert.match(brief, /^### Targets \(issue #7\)$/m);
  });
});

describe('the committed summary', () => {
  it('starts with the command that wrote it, when, on which commit, and where the full results are', () => {
    const results = { ...run(), command: 'BENCH_LEVELS=32 npm run bench' };
    const [title, header, report] = renderSummary(results, { resultsFile: '.local/bench/results/x.json' }).split('\n\n');
    assert.equal(title, '# Benchmark: the latest run');
    assert.match(header, /^Written by `BENCH_LEVELS=32 npm run bench` \(tools\/bench\) at 2026-11-25T20:21:58\.958Z, on commit 7a3e8489490a;/);
    assert.match(header, /`\.local\/bench\/results\/x\.json`/);
    assert.match(header, /\[tools\/bench\/README\.md\]\(\.\.\/tools\/bench\/README\.md\)/);
    assert.equal(report, '## orderflow bench — 2026-11-25T20:19:05.530Z');
  });
});

describe('writing the results', () => {
  it('writes the run into the results folder and rewrites the summary, and nothing else', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
    try {
      const readme = path.join(root, 'README.md');
      fs.writeFileSync(readme, 'before\n<!-- bench:start -->\nold\n<!-- bench:end -->\n');
      const resultsDir = path.join(root, '.local', 'bench', 'results');
      const summaryFile = path.join(root, 'docs', 'bench-summary.md');
      const written = writeResults(run(), { resultsDir, summaryFile, root });
      assert.deepEqual(
        written.map((file) => path.relative(root, file)),
        [
          '.local/bench/results/2026-11-25T20-19-05-530Z.json',
          '.local/bench/results/2026-11-25T20-19-05-530Z.md',
          '.local/bench/results/latest.md',
          'docs/bench-summary.md',
        ],
      );
      assert.deepEqual(JSON.parse(fs.readFileSync(written[0], 'utf8')), run());
      assert.equal(fs.readFileSync(written[2], 'utf8'), `${renderMarkdown(run())}\n`);
      assert.match(fs.readFileSync(summaryFile, 'utf8'), /`\.local\/bench\/results\/2026-11-25T20-19-05-530Z\.json`/);
      assert.equal(fs.readFileSync(readme, 'utf8'), 'before\n<!-- bench:start -->\nold\n<!-- bench:end -->\n');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('runs side by side', () => {
  it('put each run in a column of its own, in the order given, row by row per level', () => {
    const before = { ...run(), command: 'BENCH_LEVELS=32 npm run bench' };
    const after = run();
    after.machine = { ...after.machine, gitCommit: 'cb804f3' };
    after.orders = after.orders.filter((l) => l.connections === 32).map((l) => ({ ...l, ordersPerSecond: 230.1 }));
    const markdown = renderComparison([{ label: 'before.json', results: before }, { label: 'after.json', results: after }]);
    assert.match(markdown, /^\| run \| before\.json \| after\.json \|$/m);
    assert.match(markdown, /^\| commit \| 7a3e8489490a \| cb804f3 \|$/m);
    assert.match(markdown, /^\| command \| `BENCH_LEVELS=32 npm run bench` \| `npm run bench` \|$/m);
    assert.match(markdown, /^\| orders\/s at 32 \| 215\.6 \| 230\.1 \|$/m);
    assert.match(markdown, /^\| p50 \/ p99 ms at 32 \| 142\.49 \/ 295\.06 \| 142\.49 \/ 295\.06 \|$/m);
    assert.match(markdown, /^\| e-mails lost \/ dup\. at 32 \| 0 \/ 0 \| 0 \/ 0 \|$/m);
  });

  it('when a run did not measure a level, then its cell says so (–) rather than borrowing a number', () => {
    const short = run();
    short.orders = short.orders.filter((l) => l.connections === 1);
    const markdown = renderComparison([{ label: 'full', results: run() }, { label: 'short', results: short }]);
    assert.match(markdown, /^\| orders\/s at 64 \| 230\.4 \| – \|$/m);
    assert.match(markdown, /^\| orders\/s at 1 \| 91\.3 \| 91\.3 \|$/m);
  });
});
