#!/usr/bin/env node
// Runs of `npm run bench` side by side, one column each:
//
//   node tools/bench/compare.mjs <run.json | results folder> ...
//
// A folder stands for its newest run (.local/bench/results/ of a worktree, say).
// tools/bench/README.md says how to measure two commits so their numbers compare.
import fs from 'node:fs';
import path from 'node:path';
import { renderComparison } from './report.mjs';

/** The run's JSON file: the file itself, or a folder's newest <time>.json (the names sort by time). */
function runFile(argument) {
  if (!fs.statSync(argument).isDirectory()) return argument;
  const newest = fs.readdirSync(argument).filter((name) => /^\d{4}-.*\.json$/.test(name)).sort().at(-1);
  if (!newest) throw new Error(`${argument} holds no run of npm run bench (<time>.json)`);
  return path.join(argument, newest);
}

const files = process.argv.slice(2).map(runFile);
if (files.length < 2) {
  process.stderr.write('usage: node tools/bench/compare.mjs <run.json | results folder> <run.json | results folder> ...\n');
  process.exit(2);
}
const runs = files.map((file) => ({ label: path.basename(file), results: JSON.parse(fs.readFileSync(file, 'utf8')) }));
process.stdout.write(`${renderComparison(runs)}\n`);
