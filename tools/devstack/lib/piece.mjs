// One shape for every piece of the dev platform (pieces/*.mjs):
//
//   name      what the console and the logs call it
//   kind      'server' (a process on a port) or 'tool' (binaries the others run)
//   detect()  what is there, without changing anything: { installed, running, where, version?, note? }
//             (running: something answers where the piece would listen, ours or not)
//   install() idempotent; fetches or builds what is missing (stamped in .local/), returns where it is
//   start(o)  starts it and resolves once health() answers; PostgreSQL, Kafka, MailDev and
//             Zipkin reuse one already running (resolve null then, and say so); Sentry
//             refuses a busy port and the dev issuer always starts a new one (README);
//             a tool: makes it ready (install) and returns its paths
//   health()  a real probe: { healthy, detail }; never throws for a piece that is down
//   stop()    stops what this process started (a reused server is left alone); a tool: nothing to stop
//
// The modules keep their own functions (startKafka, ensurePostgres ...): the
// piece object is the common face the stack, the tests and a newcomer use.
import { spawnSync } from 'node:child_process';

export const PIECE_MEMBERS = Object.freeze(['name', 'kind', 'detect', 'install', 'start', 'health', 'stop']);
const FUNCTIONS = ['detect', 'install', 'start', 'health', 'stop'];

/** Checks the shape once, where the piece is written, and freezes it. */
export function definePiece(piece) {
  const missing = PIECE_MEMBERS.filter((member) => !(member in piece));
  const extra = Object.keys(piece).filter((member) => !PIECE_MEMBERS.includes(member));
  if (missing.length || extra.length) {
    throw new Error(`piece ${piece.name ?? '?'}: ${missing.length ? `missing ${missing.join(', ')}` : ''}${extra.length ? ` unknown ${extra.join(', ')}` : ''}`);
  }
  for (const member of FUNCTIONS) {
    if (typeof piece[member] !== 'function') throw new Error(`piece ${piece.name}: ${member} is not a function`);
  }
  if (!['server', 'tool'].includes(piece.kind)) throw new Error(`piece ${piece.name}: kind must be 'server' or 'tool'`);
  return Object.freeze({ ...piece });
}

export const healthy = (detail) => ({ healthy: true, detail });
export const notHealthy = (detail) => ({ healthy: false, detail });

/** A tool's health: `file args` runs and exits 0 within 20 s (a binary that is missing or broken is not healthy). */
export function toolRuns(file, args = ['--version']) {
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: 20_000 });
  if (result.error) return notHealthy(`${file}: ${result.error.message}`);
  if (result.status !== 0) return notHealthy(`${file} ${args.join(' ')} exited ${result.status ?? result.signal}`);
  return healthy(`${file} ${args.join(' ')}: ${`${result.stdout}${result.stderr}`.trim().split('\n')[0]}`);
}
