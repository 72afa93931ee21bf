// The launcher's own processes (lib/processes.mjs), for real: children spawned
// and stopped, with the process file in a temporary folder.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { recordProcessesIn, startProcess, stopAll } from '../lib/processes.mjs';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-processes-'));
recordProcessesIn(path.join(TMP, 'processes.json'));

const isRunning = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if (error.code === 'ESRCH') return false;
    throw error;
  }
};

describe('a process log that cannot be written', () => {
  it('when the exit line cannot be appended (the log is now a folder), the launcher says so and goes on', async () => {
    const short = startProcess({ name: 'test-unwritable-log', command: 'sleep', args: ['0.3'] });
    fs.rmSync(short.logFile);
    fs.mkdirSync(short.logFile); // appendFileSync now fails with EISDIR, as it would with ENOSPC or EACCES
    try {
      assert.equal(await short.exited, 0);
      await new Promise((resolve) => setImmediate(resolve)); // an exit handler that threw would have crashed this process by now
    } finally {
      fs.rmSync(short.logFile, { recursive: true, force: true });
    }
  });
});

describe('stopping everything', () => {
  it('when one process cannot be stopped (its command does not exist), stopAll still stops the others and resolves', async () => {
    const sleeper = startProcess({ name: 'test-sleeper', command: 'sleep', args: ['1000'] });
    startProcess({ name: 'test-no-such-command', command: path.join(TMP, 'no-such-command') });
    try {
      assert.ok(isRunning(sleeper.child.pid));
      await stopAll();
      assert.equal(isRunning(sleeper.child.pid), false, 'the sleeper is still running');
    } finally {
      if (isRunning(sleeper.child.pid)) process.kill(sleeper.child.pid, 'SIGKILL');
    }
  });
});
