// Long-running children (PostgreSQL, Kafka, MailDev, the apps) started by the
// scripts. Each writes its output to .local/logs/<name>.log; all are stopped,
// newest first, when the script exits or is interrupted. The apps and their
// sidecars are supervised (startSupervised): once the stack is up, one that
// exits unasked is restarted with back-off (tools/devstack/lib/supervision.mjs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL } from './settings.mjs';
import { SetupError } from './step.mjs';
import { SupervisedProcess } from './supervision.mjs';
import { isExitedProcess, isGone, isMissing, reportAndGoOn } from './errors.mjs';

export const LOG_DIR = path.join(LOCAL, 'logs');
/**
 * What the scripts are running: `{ owner, processes: { name: { pid, command, restarts } } }`,
 * rewritten whenever a process starts or exits, so it always holds the
 * current pid (a process waiting to be restarted is absent).
 * Tests that inject faults (SIGSTOP/SIGCONT) read it, and the next run uses it
 * to stop what a crashed run left behind.
 */
export const PROCESS_FILE = path.join(LOCAL, 'run', 'processes.json');
let processFile = PROCESS_FILE;
/** Handles (startProcess) and supervised units (startSupervised), oldest first. */
const running = [];
/** Set by stopAll: from then on nothing is restarted. */
let shuttingDown = false;

/**
 * A script that runs beside `npm start`/`npm test` (the Python example) records
 * its own processes in a file of its own, so it never hides theirs.
 */
export function recordProcessesIn(file) {
  processFile = file;
}

function writeProcessFile() {
  fs.mkdirSync(path.dirname(processFile), { recursive: true });
  const processes = Object.fromEntries(
    running
      .filter((entry) => entry.alive)
      .map((entry) => [entry.name, { pid: entry.child.pid, command: entry.command, ...(entry.restarts ? { restarts: entry.restarts } : {}) }]),
  );
  fs.writeFileSync(processFile, `${JSON.stringify({ owner: process.pid, processes }, null, 2)}\n`);
}

/** A process's command line, arguments joined by spaces (undefined when it is gone or not ours to read). */
export function commandLineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch (error) {
    if (isExitedProcess(error)) return undefined;
    throw error;
  }
}

/**
 * Whether a process of the process file still runs what was recorded for it
 * (its pid not reused by another program): its command line names the command.
 */
export function stillRunsAsRecorded({ pid, command }, readCommandLine = commandLineOf) {
  return Boolean(command) && Boolean(readCommandLine(pid)?.includes(command));
}

/**
 * Sends `signal` to `pid` (a negative pid: its process group). A process that
 * exited before the signal is what we wanted: the caller goes on.
 */
export function signalUnlessGone(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

/** True while `pid` runs (signal 0 asks the kernel, signalling nothing). */
export function pidRuns(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if (isGone(error)) return false;
    throw error;
  }
}

/**
 * Stops the processes an earlier run left behind when it died without
 * cleaning up (its owner is gone, they are still running the same command).
 * A run that is still alive (npm start in another terminal) is left alone.
 */
export async function stopOrphans() {
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(processFile, 'utf8'));
  } catch (error) {
    // No file: nothing was left behind. A file cut short: what it named cannot be told.
    if (isMissing(error) || error instanceof SyntaxError) return 0;
    throw error;
  }
  if (recorded.owner && commandLineOf(recorded.owner)?.includes('orderflow.mjs')) return 0;
  // (entry) => ...: filter and some pass the index as a second argument, which is not a command-line reader.
  const orphans = Object.values(recorded.processes ?? {}).filter((entry) => stillRunsAsRecorded(entry));
  for (const { pid } of orphans) signalUnlessGone(-pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (orphans.some((entry) => stillRunsAsRecorded(entry)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  for (const orphan of orphans) {
    if (stillRunsAsRecorded(orphan)) process.kill(-orphan.pid, 'SIGKILL');
  }
  fs.rmSync(processFile, { force: true });
  return orphans.length;
}

export function logFileFor(name) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  return path.join(LOG_DIR, `${name}.log`);
}

/**
 * Starts a child process whose output goes straight to its log file (the
 * file is the child's stdout and stderr: nothing passes through this process,
 * which would cost CPU under load and hold a busy child up when we lag).
 * Returns a handle with `stop()`; `exited` resolves with the exit code.
 * `env` may be a function, called at each start (a restarted sidecar reads
 * its mTLS join token again).
 */
export function startProcess(options) {
  const handle = spawnHandle(options);
  running.push(handle);
  writeProcessFile();
  return handle;
}

/** Log files a write already failed on: said once, not at every line. */
const unwritableLogs = new Set();

/**
 * Appends a line to a process's log (what the launcher did to it). Called from
 * exit handlers: a log that cannot be written (disk full, no permission) is
 * reported once and the launcher goes on; a throw there would tear the stack down.
 */
function appendToLogFile(logFile, line) {
  try {
    fs.appendFileSync(logFile, line);
  } catch (error) {
    // The log's folder is gone (.local removed while running): nothing to add to.
    if (isMissing(error) || unwritableLogs.has(logFile)) return;
    unwritableLogs.add(logFile);
    reportAndGoOn(`writing to ${logFile}`)(error);
  }
}

/**
 * `recordAs`: the command the process file names, when the one spawned execs
 * another (setpriv ... postgres): /proc then shows the other, and a later run
 * must recognise it there to stop what a crashed run left.
 */
function spawnHandle({ name, command, recordAs, args = [], cwd, env, stopSignal = 'SIGTERM', stopTimeoutMs = 15_000, tier = 'infra' }) {
  const logFile = logFileFor(name);
  const logFd = fs.openSync(logFile, 'a');
  fs.writeSync(logFd, `\n--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  let child;
  try {
    child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...(typeof env === 'function' ? env() : env) },
      stdio: ['ignore', logFd, logFd],
      detached: true, // own process group, so stop() also reaches grandchildren
    });
  } finally {
    fs.closeSync(logFd); // the child has its own copy
  }
  const appendToLog = (line) => appendToLogFile(logFile, line);
  let exitCode;
  const exited = new Promise((resolve) => {
    child.on('error', (error) => {
      appendToLog(`spawn error: ${error.message}\n`);
      exitCode = -1;
      resolve(-1);
    });
    child.on('exit', (code, signal) => {
      exitCode = code ?? signal;
      appendToLog(`--- exited with ${code ?? signal}\n`);
      const index = running.indexOf(handle);
      if (index >= 0) running.splice(index, 1);
      writeProcessFile();
      resolve(code ?? signal);
    });
  });

  const handle = {
    name,
    command: recordAs ?? command,
    tier,
    logFile,
    child,
    exited,
    get alive() {
      return exitCode === undefined;
    },
    /**
     * Sends a signal to the process's group (the process and whatever it
     * started, as a container's processes share a fate); SIGSTOP and SIGCONT
     * too, so a frozen process is frozen whole.
     */
    kill(signal) {
      if (!handle.alive) throw new Error(`${name} is not running`);
      try {
        process.kill(-child.pid, signal);
      } catch (error) {
        // No group of its own any more: the process alone.
        if (!isGone(error)) throw error;
        process.kill(child.pid, signal);
      }
    },
    /** True once stop() was called: its exit was asked for. */
    get stopRequested() {
      return stopping !== undefined;
    },
    /** The last lines of the log, for error messages. */
    tail(lines = 20) {
      try {
        return fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
      } catch (error) {
        if (isMissing(error)) return '';
        throw error;
      }
    },
    /**
     * Signals once and waits for the exit; a second call (Ctrl-C while an app's
     * exit already set off the stop) waits for the same exit instead of
     * signalling again, which would make daprd skip its graceful shutdown.
     */
    stop() {
      stopping ??= stopOnce();
      return stopping;
    },
    /** Throws a SetupError (with the log tail) if the process has died. */
    assertAlive(hint) {
      if (handle.alive) return;
      throw new SetupError(`${name} exited (${exitCode}). Last lines of ${logFile}:\n${handle.tail()}`, { hint });
    },
  };
  let stopping;
  async function stopOnce() {
    // A command that could not be spawned (ENOENT) has no pid and nothing to stop.
    if (!handle.alive || child.pid === undefined) return;
    try {
      process.kill(-child.pid, stopSignal);
      // A process a test froze (SIGSTOP) acts on the signal only once it runs again.
      process.kill(-child.pid, 'SIGCONT');
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        // In a timer: a throw would take the launcher down; an exit meanwhile is expected.
        if (!isGone(error)) reportAndGoOn(`SIGKILL to ${name}`)(error);
      }
    }, stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  }
  return handle;
}

/**
 * Starts a process that is restarted when it exits unasked, once armed
 * (`arm()`, when the stack is up: before that an exit is a start-up failure).
 * Returns the unit (tools/devstack/lib/supervision.mjs) with what a handle offers
 * besides: `name`, `tier`, `logFile`, `child` (the current run's), `alive`,
 * `restarts`, `stop()`, `start()`, `signal()`, `tail()`, `assertAlive()`.
 */
export function startSupervised(options) {
  const logFile = logFileFor(options.name);
  const report = (message) => {
    process.stdout.write(`        ${message}\n`);
    appendToLogFile(logFile, `--- ${new Date().toISOString()} ${message}\n`);
  };
  const unit = new SupervisedProcess({
    name: options.name,
    start: () => {
      const handle = spawnHandle(options);
      queueMicrotask(writeProcessFile);
      return handle;
    },
    report: (message) => {
      if (!shuttingDown) report(message);
    },
  });
  Object.assign(unit, {
    tier: options.tier ?? 'infra',
    command: options.recordAs ?? options.command,
    logFile,
    supervised: true,
    tail: (lines) => unit.handle.tail(lines),
    kill: (signal) => unit.handle.kill(signal),
    assertAlive: (hint) => unit.handle.assertAlive(hint),
  });
  Object.defineProperty(unit, 'child', { get: () => unit.handle.child });
  Object.defineProperty(unit, 'exited', { get: () => unit.handle.exited });
  running.push(unit);
  writeProcessFile();
  return unit;
}

/** The process (handle or supervised unit) of that name, if this run started it. */
export function findProcess(name) {
  return running.find((entry) => entry.name === name);
}

/** Every process this run started, oldest first. */
export function listProcesses() {
  return [...running];
}

/** Forgets a supervised unit stopped for good (an extra instance a drill started and stopped). */
export function forgetProcess(entry) {
  const index = running.indexOf(entry);
  if (index >= 0) running.splice(index, 1);
  writeProcessFile();
}

/**
 * Stops every process started through startProcess: the apps and sidecars
 * (tier 'app') all at once, each finishing its in-flight work; then the
 * infrastructure they used, newest first.
 */
export async function stopAll() {
  shuttingDown = true;
  // One stop that fails is said and the others still run: nothing is left behind half-way.
  const stopReporting = (entry) => Promise.resolve().then(() => entry.stop()).catch(reportAndGoOn(`stopping ${entry.name}`));
  await Promise.allSettled(running.filter((entry) => entry.tier === 'app').map(stopReporting));
  for (const entry of [...running].reverse()) {
    await stopReporting(entry);
  }
}
