// The launcher's restart policy, on fake processes and a fake clock
// (the real restarts are proven by the drills in e2e/drills.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESTART_POLICY, restartDelayMs, restartsInARowAfter, SupervisedProcess } from '../lib/supervision.mjs';

describe('the restart back-off', () => {
  it('doubles from 1 s up to 30 s', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 40].map((n) => restartDelayMs(n)),
      [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000],
    );
  });

  it('starts over after a run of 60 s, and not after a shorter one', () => {
    assert.equal(restartsInARowAfter(5, 60_000), 0);
    assert.equal(restartsInARowAfter(5, 59_999), 5);
    assert.equal(RESTART_POLICY.resetAfterMs, 60_000);
  });
});

/** A process that runs until the test ends it. */
function fakeProcess(pid) {
  let end;
  const handle = {
    child: { pid },
    alive: true,
    stopRequested: false,
    signals: [],
    exited: new Promise((resolve) => {
      end = resolve;
    }),
    exit(code) {
      handle.alive = false;
      end(code);
    },
    async stop() {
      handle.stopRequested = true;
      handle.exit('SIGTERM');
      await handle.exited;
    },
    kill(signal) {
      handle.signals.push(signal);
      if (signal === 'SIGKILL') handle.exit('SIGKILL');
    },
  };
  return handle;
}

/** A supervised fake with a clock and timers the test moves by hand. */
function supervisedFake() {
  const clock = { time: 0, now: () => clock.time };
  const timers = {
    pending: [],
    setTimeout(fn, ms) {
      const timer = { fn, at: clock.time + ms };
      timers.pending.push(timer);
      return timer;
    },
    clearTimeout(timer) {
      timers.pending = timers.pending.filter((t) => t !== timer);
    },
  };
  const started = [];
  const reports = [];
  const unit = new SupervisedProcess({
    name: 'notification-service',
    start: () => {
      const handle = fakeProcess(100 + started.length);
      started.push(handle);
      return handle;
    },
    report: (message) => reports.push(message),
    clock,
    timers,
  });
  /** Moves the clock on by `ms`, firing the timers that fall due. */
  const advance = async (ms) => {
    clock.time += ms;
    for (const timer of timers.pending.filter((t) => t.at <= clock.time)) {
      timers.clearTimeout(timer);
      timer.fn();
    }
    await settle();
  };
  return { unit, started, reports, timers, advance, clock };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a supervised process', () => {
  it('when it dies unasked, is started again after 1 s, and says so with the signal and the restart count', async () => {
    const { unit, started, reports, advance } = supervisedFake();
    unit.arm();
    started[0].exit('SIGKILL');
    await settle();
    assert.deepEqual(reports, ['notification-service exited (SIGKILL); restarting in 1 s (restart 1)']);
    assert.equal(unit.alive, false);
    assert.equal(unit.restartPending, true);
    await advance(999);
    assert.equal(started.length, 1);
    await advance(1);
    assert.equal(started.length, 2);
    assert.equal(unit.pid, 101);
    assert.equal(unit.alive, true);
    assert.equal(unit.restarts, 1);
  });

  it('when it keeps dying, waits 1, 2, 4 s ... and 1 s again once a run lasted 60 s', async () => {
    const { unit, started, reports, advance } = supervisedFake();
    unit.arm();
    for (const wait of [1_000, 2_000, 4_000]) {
      started.at(-1).exit(1);
      await settle();
      await advance(wait);
    }
    assert.equal(started.length, 4);
    await advance(60_000);
    started.at(-1).exit(1);
    await settle();
    assert.deepEqual(
      reports.map((r) => r.replace(/^.*restarting in /, '')),
      ['1 s (restart 1)', '2 s (restart 2)', '4 s (restart 3)', '1 s (restart 4)'],
    );
    assert.match(reports[0], /exited \(code 1\)/);
  });

  it('when it exits before it is armed (the stack still starting), is not restarted', async () => {
    const { unit, started, reports, timers } = supervisedFake();
    started[0].exit(1);
    await settle();
    assert.equal(unit.alive, false);
    assert.equal(timers.pending.length, 0);
    assert.deepEqual(reports, []);
  });

  it('when it is stopped, is not restarted, and starts again only when asked', async () => {
    const { unit, started, timers } = supervisedFake();
    unit.arm();
    await unit.stop();
    assert.equal(started[0].stopRequested, true);
    assert.equal(timers.pending.length, 0);
    unit.start();
    assert.equal(started.length, 2);
    assert.equal(unit.alive, true);
  });

  it('when stopped with SIGKILL, dies at once and stays down', async () => {
    const { unit, started, timers } = supervisedFake();
    unit.arm();
    await unit.stop({ signal: 'SIGKILL' });
    assert.deepEqual(started[0].signals, ['SIGKILL']);
    assert.equal(timers.pending.length, 0);
    assert.equal(unit.alive, false);
  });

  it('when stopped while a restart waits out its back-off, the restart is cancelled', async () => {
    const { unit, started, timers, advance } = supervisedFake();
    unit.arm();
    started[0].exit('SIGKILL');
    await settle();
    assert.equal(timers.pending.length, 1);
    await unit.stop();
    await advance(60_000);
    assert.equal(started.length, 1);
  });

  it('when its handle was stopped directly (the launcher stopping everything), is not restarted', async () => {
    const { unit, started, timers } = supervisedFake();
    unit.arm();
    await started[0].stop();
    await settle();
    assert.equal(timers.pending.length, 0);
    assert.equal(unit.restarts, 0);
  });
});
