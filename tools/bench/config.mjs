// The bench's knobs, read from the environment (tools/bench/README.md lists them).
import { SetupError } from './devstack.mjs';

function envNumber(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new SetupError(`${name}=${raw} is not a positive number`);
  return value;
}

function envList(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new SetupError(`${name}=${raw} is not a list of whole numbers, e.g. 1,8,32,64`);
  return values;
}

/** Every knob, from `env` (the process's environment unless a test passes its own). */
export function benchSettings(env = process.env) {
  const duration = envNumber(env, 'BENCH_DURATION_SECONDS', 20);
  return {
    durationSeconds: duration,
    levels: envList(env, 'BENCH_LEVELS', [1, 8, 32, 64]),
    warmupSeconds: envNumber(env, 'BENCH_WARMUP_SECONDS', 5),
    drainSeconds: envNumber(env, 'BENCH_DRAIN_SECONDS', 30),
    /** The level whose resource use counts as "under load". */
    loadLevel: envNumber(env, 'BENCH_LOAD_LEVEL', 32),
    sidecarSeconds: envNumber(env, 'BENCH_SIDECAR_SECONDS', Math.min(duration, 10)),
    sidecarConnections: envList(env, 'BENCH_SIDECAR_CONNECTIONS', [1, 8]),
    failFastSeconds: envNumber(env, 'BENCH_FAILFAST_SECONDS', 5),
    failFastConnections: envList(env, 'BENCH_FAILFAST_CONNECTIONS', [1, 8]),
  };
}

/** A value as a shell reads it back: bare when it is plain, else in single quotes. */
const shellWord = (value) => (/^[\w.,:/-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

/** The command as it was typed: the BENCH_* variables that were set, then `npm run bench`. */
export function benchCommand(env = process.env) {
  const set = Object.keys(env)
    .filter((name) => name.startsWith('BENCH_') && env[name] !== '')
    .sort()
    .map((name) => `${name}=${shellWord(env[name])}`);
  return [...set, 'npm run bench'].join(' ');
}
