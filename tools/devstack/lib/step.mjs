// Progress and failure reporting shared by every orderflow script.
// A step prints what it is doing and how long it took, so a long first run
// (building daprd, fetching Kafka) never looks like a hang; a failure prints
// what happened and what to do instead of a stack trace.
import { spawn } from 'node:child_process';

const started = Date.now();
let stepCount = 0;

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

/** An error the user can act on: `hint` says what to do about it. */
export class SetupError extends Error {
  constructor(message, { hint, cause } = {}) {
    super(message, { cause });
    this.name = 'SetupError';
    this.hint = hint;
  }
}

export function info(message) {
  process.stdout.write(`        ${message}\n`);
}

/** Runs `fn` as a numbered step, printing its duration; a slow step prints a heartbeat. */
export async function step(title, fn) {
  stepCount += 1;
  const n = String(stepCount).padStart(2, ' ');
  const t0 = Date.now();
  process.stdout.write(`[${n}] ${title} ...\n`);
  const heartbeat = setInterval(() => {
    process.stdout.write(`     ... still ${title.toLowerCase()} (${seconds(Date.now() - t0)})\n`);
  }, 30_000);
  heartbeat.unref();
  try {
    const result = await fn();
    process.stdout.write(`[${n}] ${title}: done in ${seconds(Date.now() - t0)} (total ${seconds(Date.now() - started)})\n`);
    return result;
  } catch (error) {
    process.stdout.write(`[${n}] ${title}: FAILED after ${seconds(Date.now() - t0)}\n`);
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Runs a command to completion. Output is captured and shown only on failure
 * (the last lines), unless `inherit` is set.
 */
export function run(command, args, { cwd, env, inherit = false, hint, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'],
    });
    let output = '';
    const keep = (chunk) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    if (input !== undefined) child.stdin.end(input);
    child.on('error', (error) => {
      reject(new SetupError(`could not run ${command}: ${error.message}`, { hint, cause: error }));
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(output);
      const tail = output.trim().split('\n').slice(-25).join('\n');
      reject(
        new SetupError(`${command} ${args.join(' ')} exited with ${signal ?? code}${tail ? `:\n${tail}` : ''}`, { hint }),
      );
    });
  });
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor(what, check, { timeoutMs = 60_000, intervalMs = 250, hint } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new SetupError(
    `${what} was not ready after ${seconds(timeoutMs)}${lastError ? ` (last error: ${lastError.message})` : ''}`,
    { hint },
  );
}

/** Prints a SetupError (or any error) for a human and exits non-zero. */
export function exitWithError(error) {
  process.stderr.write('\n');
  if (error instanceof SetupError) {
    process.stderr.write(`orderflow: ${error.message}\n`);
    if (error.hint) process.stderr.write(`\n  What to do: ${error.hint}\n`);
  } else {
    process.stderr.write(`orderflow: unexpected failure: ${error?.stack ?? error}\n`);
  }
  process.exit(1);
}
