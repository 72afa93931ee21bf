// The few errors the dev platform expects and lets pass, by name: every other
// error goes on up (test/no-silent-catch.test.mjs keeps catches to these terms).

/** A file or folder that is not there (yet). */
export const isMissing = (error) => error?.code === 'ENOENT' || error?.code === 'ENOTDIR';

/** A process that has exited already (kill on a pid that is gone). */
export const isGone = (error) => error?.code === 'ESRCH';

const NO_ANSWER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * A probe's "nothing answers there (yet)": refused, reset, timed out, aborted,
 * or fetch's own "fetch failed" (its cause says which). A health check turns
 * these into "not healthy"; anything else is a bug and is thrown.
 */
export function isNoAnswer(error) {
  if (error?.name === 'AbortError' || error?.name === 'TimeoutError') return true;
  if (NO_ANSWER_CODES.has(error?.code) || NO_ANSWER_CODES.has(error?.cause?.code)) return true;
  return error instanceof TypeError && error.message === 'fetch failed';
}

/** A process read through /proc that exited meanwhile (or is not ours to read). */
export const isExitedProcess = (error) => ['ENOENT', 'ESRCH', 'EACCES', 'EPERM'].includes(error?.code);

/**
 * For teardown: a step that may fail without stopping the rest (a container
 * already gone, a namespace already deleted) says so in one line and lets the
 * next step run.
 */
export const reportAndGoOn = (what) => (error) => {
  process.stdout.write(`        ${what}: ${String(error?.message ?? error).split('\n')[0]}\n`);
};
