// Small helpers the install and start scripts share: stamp files that record
// what a cached build was made from, and whether a tool is there to run.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isMissing, isNoAnswer } from './errors.mjs';
import { SetupError } from './step.mjs';

/** The JSON in `file`, or `fallback` when it is missing or cut short (a stamp not written yet). */
export function readStamp(file, fallback = {}) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    // Missing, or cut short by a run that was killed while writing it: either way no stamp.
    if (isMissing(error) || error instanceof SyntaxError) return fallback;
    throw error;
  }
}

export function writeStamp(file, stamp) {
  fs.writeFileSync(file, `${JSON.stringify(stamp, null, 2)}\n`);
}

export function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch (error) {
    if (isMissing(error) || error.code === 'EACCES') return false;
    throw error;
  }
}

/** The first executable `name` in a folder of PATH, or null. */
export function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/** True when something accepts a TCP connection on host:port within `timeoutMs`. */
export function tcpAnswers(port, { host = '127.0.0.1', timeoutMs = 1_000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (value) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when `url` answers in time with a status `accept` likes (2xx by default). */
export async function httpAnswers(url, { headers = {}, timeoutMs = 2_000, accept = (status) => status >= 200 && status < 300 } = {}) {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return accept(response.status);
  } catch (error) {
    if (isNoAnswer(error)) return false;
    throw error;
  }
}

/** A port on 127.0.0.1 that nothing listens on, below Linux's range of outgoing ports (see settings.mjs). */
export async function freePort(taken = new Set()) {
  for (let tries = 0; tries < 200; tries += 1) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(candidate)) continue;
    const free = await new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(candidate, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free && !(await tcpAnswers(candidate))) {
      taken.add(candidate);
      return candidate;
    }
  }
  throw new SetupError('found no free port between 20000 and 32000 for another instance');
}
