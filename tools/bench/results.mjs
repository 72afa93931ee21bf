// Where a run's results go: every run's JSON and Markdown into .local/bench/results/
// (the project's .local/ is not in git), and the one committed summary,
// docs/bench-summary.md, rewritten from the latest run.
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL, ROOT } from './devstack.mjs';
import { renderMarkdown, renderSummary } from './report.mjs';

const RESULTS_DIR = path.join(LOCAL, 'bench', 'results');
const SUMMARY_FILE = path.join(ROOT, 'docs', 'bench-summary.md');

/**
 * Writes <time>.json, <time>.md and latest.md into `resultsDir`, and the summary;
 * returns the paths written. (Paths are parameters so a test can write elsewhere.)
 */
export function writeResults(results, { resultsDir = RESULTS_DIR, summaryFile = SUMMARY_FILE, root = ROOT } = {}) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const json = path.join(resultsDir, `${stamp}.json`);
  const md = path.join(resultsDir, `${stamp}.md`);
  const latest = path.join(resultsDir, 'latest.md');
  const markdown = `${renderMarkdown(results)}\n`;
  fs.writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(md, markdown);
  fs.writeFileSync(latest, markdown);
  fs.mkdirSync(path.dirname(summaryFile), { recursive: true });
  fs.writeFileSync(summaryFile, `${renderSummary(results, { resultsFile: path.relative(root, json) })}\n`);
  return [json, md, latest, summaryFile];
}
