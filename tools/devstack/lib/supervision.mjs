// Restarting what dies, as Kubernetes restarts a crashed container: a process
// of the app tier (a service or its daprd) that exits without being asked to
// is started again after a back-off that doubles from 1 s to 30 s, and starts
// over at 1 s once a run has lasted 60 s. Only the process that died is
// restarted (an app's sidecar stays up while the app comes back, and the
// other way round), as in a pod.
//
// Pure: what starts a process, the clock and the timers are given, so the
// logic is tested without real processes (tools/devstack/test/supervision.test.mjs).

export const RESTART_POLICY = Object.freeze({ initialDelayMs: 1_000, maxDelayMs: 30_000, resetAfterMs: 60_000 });

/**
 * The wait before the next restart, given how many restarts came right before
 * it (each run shorter than `resetAfterMs`): 1 s, 2 s, 4 s ... 30 s.
 */
export function restartDelayMs(restartsInARow, policy = RESTART_POLICY) {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(restartsInARow, 30));
}

/**
 * After a run of `uptimeMs` ended: how many restarts now count as "in a row"
 * (a run as long as `resetAfterMs` forgives the earlier crashes).
 */
export function restartsInARowAfter(previousInARow, uptimeMs, policy = RESTART_POLICY) {
  return uptimeMs >= policy.resetAfterMs ? 0 : previousInARow;
}

const describeExit = (code) => (typeof code === 'string' ? code : `code ${code}`);
const secondsText = (ms) => `${Number.isInteger(ms / 1000) ? ms / 1000 : (ms / 1000).toFixed(1)} s`;

/**
 * One supervised process. `start()` returns a fresh handle
 * `{ child: { pid }, exited: Promise<code|signal>, stop(): Promise, alive }`
 * each time it is called (tools/devstack/lib/processes.mjs startProcess).
 * `report(message)` says what happened (console and the process's log).
 *
 * A unit starts unarmed: an exit before `arm()` (while the stack is still
 * coming up) is a failure to report, not something to retry.
 */
export class SupervisedProcess {
  constructor({ name, start, report = () => {}, policy = RESTART_POLICY, clock = globalThis.Date, timers = globalThis }) {
    this.name = name;
    this.policy = policy;
    this.restarts = 0;
    this.armed = false;
    /** False after stop(): nothing restarts it until start(). */
    this.wanted = true;
    this.lastExit = undefined;
    this.#start = start;
    this.#report = report;
    this.#clock = clock;
    this.#timers = timers;
    this.#launch();
  }

  #start;
  #report;
  #clock;
  #timers;
  #inARow = 0;
  #startedAt = 0;
  #timer = undefined;
  #exitWaiters = [];

  /** The handle of the current run (the last one while a restart waits). */
  handle = undefined;

  get alive() {
    return Boolean(this.handle?.alive);
  }

  get pid() {
    return this.handle?.child?.pid;
  }

  /** True while a restart is scheduled. */
  get restartPending() {
    return this.#timer !== undefined;
  }

  arm() {
    this.armed = true;
  }

  #launch() {
    const handle = this.#start();
    this.handle = handle;
    this.#startedAt = this.#clock.now();
    handle.exited.then((code) => this.#onExit(handle, code));
  }

  #onExit(handle, code) {
    if (handle !== this.handle) return;
    this.lastExit = code;
    const waiters = this.#exitWaiters;
    this.#exitWaiters = [];
    for (const resolve of waiters) resolve(code);
    if (!this.armed || !this.wanted || handle.stopRequested) return;
    const uptimeMs = this.#clock.now() - this.#startedAt;
    this.#inARow = restartsInARowAfter(this.#inARow, uptimeMs, this.policy);
    const delayMs = restartDelayMs(this.#inARow, this.policy);
    this.#inARow += 1;
    this.restarts += 1;
    this.#report(`${this.name} exited (${describeExit(code)}); restarting in ${secondsText(delayMs)} (restart ${this.restarts})`);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      if (this.wanted) this.#launch();
    }, delayMs);
  }

  /** Resolves with the exit code of the current run when it ends. */
  nextExit() {
    if (!this.alive) return Promise.resolve(this.lastExit);
    return new Promise((resolve) => this.#exitWaiters.push(resolve));
  }

  /**
   * Stops it for good (until start()): a scheduled restart is cancelled, the
   * running process stopped gracefully, or with `signal` (SIGKILL: a node
   * lost for good) sent to it without waiting for anything.
   */
  async stop({ signal } = {}) {
    this.wanted = false;
    if (this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (!this.handle?.alive) return;
    if (signal) {
      const exited = this.nextExit();
      this.handle.kill(signal);
      await exited;
      return;
    }
    await this.handle.stop();
  }

  /** Starts it again after stop(), or at once when a restart is waiting out its back-off. */
  start() {
    this.wanted = true;
    if (this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (!this.alive) {
      this.#inARow = 0;
      this.#launch();
    }
  }
}
