// The launcher's own processes (lib/processes.mjs), for real: children spawned
// and stopped, with the process file in a temporary folder.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { pidRuns, recordProcessesIn, startProcess, stillRunsAsRecorded, stopAll, stopOrphans } from '../lib/processes.mjs';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-processes-'));
recordProcessesIn(path.join(TMP, 'processes.json'));

describe('a process log that cannot be written', () => {
  it('when the exit line cannot be appended (the log is now a folder), the launcher says so and goes on', async () => {
    const short = startProcess({ name: `test-unwritable-log-${process.pid}`, command: 'sleep', args: ['0.3'] });
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

describe('the process file, for the next run after a crash', () => {
  it('when the command spawned execs another (setpriv ... postgres as root), the file names the one that runs, so a later run recognises the orphan', async () => {
    const wrapped = startProcess({ name: 'test-exec-wrapper', command: 'sh', args: ['-c', 'exec sleep 1000'], recordAs: 'sleep' });
    try {
      const deadline = Date.now() + 5_000;
      while (!fs.readFileSync(`/proc/${wrapped.child.pid}/cmdline`, 'utf8').startsWith('sleep') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const recorded = JSON.parse(fs.readFileSync(path.join(TMP, 'processes.json'), 'utf8')).processes['test-exec-wrapper'];
      assert.equal(recorded.command, 'sleep');
      assert.equal(stillRunsAsRecorded(recorded), true, 'the exec\'d process is not recognised as the one recorded');
      assert.equal(stillRunsAsRecorded({ pid: wrapped.child.pid, command: 'sh' }), false, 'the wrapper\'s name should no longer match after exec');
    } finally {
      await wrapped.stop();
    }
  });

  it('a pid that now runs another program is not taken for the recorded one', () => {
    const commandLines = { 41: '/usr/lib/postgresql/15/bin/postgres -D /x', 42: 'vim notes.txt' };
    const read = (pid) => commandLines[pid];
    assert.equal(stillRunsAsRecorded({ pid: 41, command: '/usr/lib/postgresql/15/bin/postgres' }, read), true);
    assert.equal(stillRunsAsRecorded({ pid: 42, command: '/usr/lib/postgresql/15/bin/postgres' }, read), false);
    assert.equal(stillRunsAsRecorded({ pid: 43, command: 'sleep' }, read), false);
  });
});

describe('stopping everything', () => {
  it('when one process cannot be stopped (its stop fails), stopAll still stops the others and resolves', async () => {
    const sleeper = startProcess({ name: 'test-sleeper', command: 'sleep', args: ['1000'] });
    const stubborn = startProcess({ name: 'test-stubborn', command: 'sleep', args: ['1000'] });
    const stopStubborn = stubborn.stop.bind(stubborn);
    stubborn.stop = async () => {
      throw new Error('cannot stop this one');
    };
    try {
      assert.ok(pidRuns(sleeper.child.pid));
      await stopAll();
      assert.equal(pidRuns(sleeper.child.pid), false, 'the sleeper is still running');
    } finally {
      if (pidRuns(sleeper.child.pid)) process.kill(sleeper.child.pid, 'SIGKILL');
      await stopStubborn();
    }
  });
});

describe('the next run after a crash', () => {
  it('stops what a run that died left running (its owner gone, the same command still running), and removes the file', async () => {
    // An owner that is gone: a process that has exited.
    const owner = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    // Left behind: its own process group, as the launcher starts every process.
    const orphan = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    const file = path.join(TMP, 'processes.json');
    fs.writeFileSync(file, JSON.stringify({ owner: Number(owner), processes: { 'left-behind': { pid: orphan.pid, command: 'sleep' } } }));
    try {
      assert.equal(await stopOrphans(), 1);
      const deadline = Date.now() + 5_000;
      while (pidRuns(orphan.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(pidRuns(orphan.pid), false, 'the orphan is still running');
      assert.equal(fs.existsSync(file), false);
    } finally {
      if (pidRuns(orphan.pid)) process.kill(orphan.pid, 'SIGKILL');
    }
  });
});
