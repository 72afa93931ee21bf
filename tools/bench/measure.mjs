// What `npm run bench` measures besides the load generator's own numbers:
// the processes of the stack (found from .local/run/processes.json
// or, for a stack started some other way, from the port each one listens on),
// their memory and CPU from /proc, and the facts of the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandLineOf, isExitedProcess, isMissing, PROCESS_FILE, readStamp, reportAndGoOn, ROOT, settings, stillRunsAsRecorded } from './devstack.mjs';
import { round } from './stats.mjs';

// ---------------------------------------------------------------------------------------
// Finding the stack's processes

/** The socket inodes listening on 127.0.0.1/0.0.0.0/:: `port`, from /proc/net/tcp{,6}. */
function listeningInodes(port) {
  const inodes = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines = [];
    try {
      lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
    } catch (error) {
      // No IPv6 on this kernel: no tcp6 table.
      if (isMissing(error)) continue;
      throw error;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const localPort = parseInt(fields[1].split(':').pop(), 16);
      if (localPort === port && fields[3] === '0A') inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The PID of the process listening on a TCP port (needs to see the other processes' fds: same user or root). */
export function pidListeningOn(port) {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds;
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch (error) {
      if (isExitedProcess(error)) continue;
      throw error;
    }
    for (const fd of fds) {
      let target;
      try {
        target = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch (error) {
        if (isExitedProcess(error)) continue;
        throw error;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match && inodes.has(match[1])) return Number(entry);
    }
  }
  return undefined;
}

/**
 * The stack's processes by name: the three apps and their sidecars, PostgreSQL,
 * Kafka, MailDev. From processes.json when the recorded process still runs the
 * recorded command, else from the port it listens on. Zipkin and Sentry
 * (tracing and mTLS) count as part of the stack too.
 */
export function findStackProcesses() {
  // Not started by the launcher (no record, or one cut short): found by port below.
  const recorded = readStamp(PROCESS_FILE).processes ?? {};
  const ports = {
    postgres: settings.postgres.port,
    kafka: settings.kafka.port,
    maildev: settings.smtp.port,
    zipkin: settings.zipkin.port,
    sentry: settings.sentry.port,
  };
  for (const [service, p] of Object.entries(settings.apps)) {
    ports[service] = p.appPort;
    ports[`${service}-daprd`] = p.httpPort;
  }
  const found = {};
  for (const [name, port] of Object.entries(ports)) {
    const entry = recorded[name];
    const byPort = pidListeningOn(port);
    if (entry && stillRunsAsRecorded(entry) && (byPort === undefined || byPort === entry.pid)) {
      found[name] = { pid: entry.pid, source: 'processes.json' };
    } else if (byPort) {
      found[name] = { pid: byPort, source: `port ${port}` };
    }
  }
  return found;
}

/**
 * How the sidecars run, read from one daprd itself (its command line and
 * environment), so a stack started by hand is described as it is.
 */
export function sidecarFacts(pid) {
  const facts = { mtls: 'unknown', traceSamplingRate: 'unknown' };
  const commandLine = pid && commandLineOf(pid);
  if (!commandLine) return facts;
  facts.mtls = commandLine.split(' ').includes('--enable-mtls') ? 'on' : 'off';
  try {
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const rate = environ.find((entry) => entry.startsWith('ORDERFLOW_TRACE_SAMPLING_RATE='))?.split('=')[1];
    facts.traceSamplingRate = rate === undefined || rate === '' ? 'unset' : rate;
  } catch (error) {
    // Another user's process (or gone): unknown.
    if (!isExitedProcess(error)) throw error;
  }
  return facts;
}

// ---------------------------------------------------------------------------------------
// Memory and CPU from /proc

let clockTicks;
function ticksPerSecond() {
  if (clockTicks) return clockTicks;
  try {
    clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch (error) {
    reportAndGoOn('getconf CLK_TCK failed, taking Linux\'s usual 100')(error);
    clockTicks = 100;
  }
  return clockTicks;
}

/** { rssKb, ticks, ppid } of one process, or undefined when it is gone. */
function readProcess(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid ... utime is field 14, stime 15 (1-based, whole line).
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssKb: rss ? Number(rss[1]) : 0, ticks: Number(after[11]) + Number(after[12]), ppid: Number(after[1]) };
  } catch (error) {
    if (isExitedProcess(error)) return undefined;
    throw error;
  }
}

/** Proportional set size in kB: shared pages (the daprd binary the three sidecars map) split among their users. */
function pssKb(pid) {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch (error) {
    if (isExitedProcess(error)) return undefined;
    throw error;
  }
}

/** The process and all its descendants (PostgreSQL: the postmaster and its backends). */
function processTree(rootPid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(entry);
    if (!info) continue;
    if (!children.has(info.ppid)) children.set(info.ppid, []);
    children.get(info.ppid).push(Number(entry));
  }
  const all = [];
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift();
    all.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return all;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineTicks() {
  const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const values = cpu.trim().split(/\s+/).slice(1).map(Number);
  const idle = values[3] + (values[4] ?? 0); // idle + iowait
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0); // without guest (already in user)
  return { busy: total - idle, total };
}

/**
 * Samples RSS (every second), PSS (every fifth second: reading smaps_rollup
 * walks the page tables of PostgreSQL's shared memory and the JVMs' heaps,
 * which made the bench itself one of the busier processes) and CPU
 * (difference between start and stop) of named processes. `tree: true` adds up a process and its descendants.
 * Also measures what the whole machine spent, so CPU used by processes that
 * are not ours (another test run on the same box) shows up as `other`.
 */
export class ResourceSampler {
  constructor() {
    this.tracked = new Map();
    this.external = new Map();
    this.samples = new Map();
    this.cpuTicks = new Map();
    this.lastReading = new Map();
    this.elapsedNs = 0n;
    this.machineBusy = 0;
    this.machineTotal = 0;
    this.timer = undefined;
    this.sampleCount = 0;
    this.trees = new Map(); // root pid → { pids, at }: a process tree is looked up again after 5 s
  }

  track(name, pid, { tree = false } = {}) {
    if (pid) this.tracked.set(name, { pid, tree });
  }

  /** A process that reports its own cost (CPU seconds, peak RSS) because it exits before stop(); adds up. */
  addExternal(name, { cpuSeconds, maxRssKb }) {
    const earlier = this.external.get(name) ?? { cpuSeconds: 0, maxRssKb: 0 };
    this.external.set(name, { cpuSeconds: earlier.cpuSeconds + cpuSeconds, maxRssKb: Math.max(earlier.maxRssKb, maxRssKb) });
  }

  pidsOf({ pid, tree }) {
    if (!tree) return [pid];
    const cached = this.trees.get(pid);
    if (cached && Date.now() - cached.at < 5_000) return cached.pids;
    const pids = processTree(pid);
    this.trees.set(pid, { pids, at: Date.now() });
    return pids;
  }

  read({ withPss = true } = {}) {
    const now = {};
    for (const [name, target] of this.tracked) {
      let rssKb = 0;
      let pss = 0;
      let ticks = 0;
      let alive = false;
      for (const pid of this.pidsOf(target)) {
        const info = readProcess(pid);
        if (!info) continue;
        alive = true;
        rssKb += info.rssKb;
        if (withPss) pss += pssKb(pid) ?? info.rssKb;
        ticks += info.ticks;
      }
      if (alive) now[name] = { rssKb, pssKb: withPss ? pss : undefined, ticks };
    }
    return now;
  }

  /** Starts (or resumes, after pause()) measuring. */
  start() {
    this.windowStart = { at: process.hrtime.bigint(), machine: machineTicks(), reading: this.read({ withPss: false }) };
    this.sample();
    this.timer = setInterval(() => this.sample(), 1_000);
    this.timer.unref();
  }

  sample() {
    const withPss = this.sampleCount % 5 === 0;
    this.sampleCount += 1;
    for (const [name, { rssKb, pssKb: pss }] of Object.entries(this.read({ withPss }))) {
      if (!this.samples.has(name)) this.samples.set(name, []);
      this.samples.get(name).push({ rssKb, pssKb: pss });
    }
  }

  /** Stops counting until the next start(); what was counted so far is kept. */
  pause() {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.windowStart) return;
    const end = this.read();
    const machine = machineTicks();
    this.elapsedNs += process.hrtime.bigint() - this.windowStart.at;
    this.machineBusy += machine.busy - this.windowStart.machine.busy;
    this.machineTotal += machine.total - this.windowStart.machine.total;
    for (const [name, last] of Object.entries(end)) {
      const first = this.windowStart.reading[name];
      if (!first) continue;
      this.cpuTicks.set(name, (this.cpuTicks.get(name) ?? 0) + Math.max(0, last.ticks - first.ticks));
      this.lastReading.set(name, last);
    }
    this.windowStart = undefined;
  }

  /** Per name: { rssMb (mean of the samples), rssMaxMb, pssMb (mean), cpuPercent (100 = one core) }, plus `machine`. */
  stop() {
    this.pause();
    const seconds = Number(this.elapsedNs) / 1e9;
    const hz = ticksPerSecond();
    const result = {};
    let ours = 0;
    for (const [name, last] of this.lastReading) {
      const samples = [...(this.samples.get(name) ?? []), last];
      const mean = (key) => {
        const values = samples.map((sample) => sample[key]).filter((value) => value !== undefined);
        return values.reduce((a, b) => a + b, 0) / values.length / 1024;
      };
      const cpuTicks = this.cpuTicks.get(name) ?? 0;
      ours += cpuTicks;
      result[name] = {
        rssMb: round(mean('rssKb')),
        rssMaxMb: round(Math.max(...samples.map((s) => s.rssKb)) / 1024),
        pssMb: round(mean('pssKb')),
        cpuPercent: round((cpuTicks / hz / seconds) * 100),
      };
    }
    for (const [name, { cpuSeconds, maxRssKb }] of this.external) {
      ours += cpuSeconds * hz;
      result[name] = { rssMb: null, rssMaxMb: round(maxRssKb / 1024), pssMb: null, cpuPercent: round((cpuSeconds / seconds) * 100) };
    }
    const cores = os.cpus().length;
    result.machine = {
      seconds: round(seconds, 2),
      // Percent of ONE core, like the per-process numbers: 200 = both cores of a 2-core box busy.
      busyPercent: round((this.machineBusy / this.machineTotal) * 100 * cores),
      otherPercent: round((Math.max(0, this.machineBusy - ours) / this.machineTotal) * 100 * cores),
    };
    return result;
  }
}

// ---------------------------------------------------------------------------------------
// The machine

function firstLines(command, args, lines = 1) {
  try {
    const output = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return output.trim().split('\n').slice(0, lines).join(' | ');
  } catch (error) {
    // `java -version` prints to stderr.
    const text = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
    return text ? text.split('\n').slice(0, lines).join(' | ') : `not found (${command})`;
  }
}

/** The first line a command prints on stdout or stderr (`java -version` writes to stderr and exits 0). */
function stderrFirstLine(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  if (result.error) return `not found (${command})`;
  const text = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim();
  return text ? text.split('\n')[0] : `no output (${command})`;
}

function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch (error) {
    if (isMissing(error)) return 'unknown';
    throw error;
  }
}

/** Cores, memory, versions of everything in the stack, the git commit. */
export function machineFacts({ daprdPid, postgresVersion, kafkaVersion }) {
  const memTotal = /MemTotal:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  let daprdBinary;
  try {
    daprdBinary = fs.readlinkSync(`/proc/${daprdPid}/exe`);
  } catch (error) {
    if (!isExitedProcess(error)) throw error;
    daprdBinary = path.join(ROOT, '.local/dapr/.dapr/bin/daprd');
  }
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  } catch (error) {
    reportAndGoOn('git does not name the commit (not a git checkout?)')(error);
  }
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memTotalGb: memTotal ? round(Number(memTotal[1]) / 1024 / 1024) : null,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    go: firstLines('go', ['version']),
    java: stderrFirstLine('java', ['-version']),
    daprd: firstLines(daprdBinary, ['--build-info'], 3),
    kafka: kafkaVersion,
    postgres: postgresVersion,
    maildev: packageVersion('maildev'),
    autocannon: packageVersion('autocannon'),
    gitCommit: `${commit}${dirty ? ' (with uncommitted changes)' : ''}`,
  };
}
