// "Use what is already running", for real: a MailDev started by its piece is
// found by detect(), and a second start() uses it (and says so) instead of
// starting another: one process, the same ports. This is the path `npm start`
// takes against the Docker alternative's containers or a second terminal's stack.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/local-files.mjs';

// Before the piece reads its settings: ports of this test's own.
// (The other launcher below, this file run again as a child, keeps the ports it was given.)
const otherLauncher = process.env.MAILDEV_OF_ANOTHER_LAUNCHER;
const smtpPort = otherLauncher ? Number(process.env.SMTP_PORT) : await freePort();
const webPort = otherLauncher ? Number(process.env.MAILDEV_WEB_PORT) : await freePort();
process.env.SMTP_PORT = String(smtpPort);
process.env.MAILDEV_WEB_PORT = String(webPort);
const { listProcesses, pidRuns, recordProcessesIn } = await import('../lib/processes.mjs');
// Not the stack's record of its processes (.local/run/processes.json): a stack may be running.
recordProcessesIn(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-running-')), 'processes.json'));
const { piece: maildev } = await import('../pieces/maildev.mjs');

// Run as the other launcher (maildevOfAnotherLauncher below): start MailDev, say its pid, stop it when asked.
if (otherLauncher) {
  const handle = await maildev.start(JSON.parse(otherLauncher));
  process.on('message', async () => {
    await maildev.stop();
    process.exit(0);
  });
  process.send(handle.child.pid);
  await new Promise(() => {});
}

/** The processes on this machine whose command line names our SMTP port. */
function maildevsOnOurPort() {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(`--smtp ${smtpPort} `);
    } catch (error) {
      if (error.code === 'ENOENT' || error.code === 'ESRCH') return false; // exited meanwhile
      throw error;
    }
  });
}

/** What `fn` writes to stdout, while it runs. */
async function capturingStdout(fn) {
  const written = [];
  const write = process.stdout.write;
  process.stdout.write = (chunk, ...rest) => {
    written.push(String(chunk));
    return write.call(process.stdout, chunk, ...rest);
  };
  try {
    return { result: await fn(), output: written.join('') };
  } finally {
    process.stdout.write = write;
  }
}

describe('a piece already running', () => {
  it('MailDev started once is detected, and a second start uses it: no second process, the same ports, and a message that says so', { timeout: 60_000 }, async () => {
    assert.equal((await maildev.detect()).running, false, 'something already answers on the test\'s ports');
    const first = await maildev.start({ user: 'orderflow-test', password: 'test-password' });
    try {
      assert.ok(first?.child?.pid, 'the first start starts a process');
      const found = await maildev.detect();
      assert.equal(found.running, true);
      assert.equal(found.where, `http://127.0.0.1:${webPort}`);

      const { result: second, output } = await capturingStdout(() => maildev.start({ user: 'orderflow-test', password: 'test-password' }));
      assert.equal(second, null, 'the second start returns null: it started nothing');
      assert.match(output, new RegExp(`reusing the MailDev already running at http://127\\.0\\.0\\.1:${webPort} \\(SMTP 127\\.0\\.0\\.1:${smtpPort}\\)`));
      assert.equal(listProcesses().filter((entry) => entry.name === 'maildev').length, 1);
      assert.deepEqual(maildevsOnOurPort(), [String(first.child.pid)], 'one MailDev on the port: the first one');
      assert.equal(first.alive, true);
      assert.equal((await maildev.health()).healthy, true);
    } finally {
      await maildev.stop();
    }
    assert.equal((await maildev.health()).healthy, false, 'stop() stopped the one it started');
    assert.deepEqual(maildevsOnOurPort(), []);
  });
});

/**
 * A MailDev that another launcher started (a second terminal's npm start, or the
 * Docker alternative's container): its piece, run in a child process of its
 * own, started with this login. `stop()` asks that process to stop it.
 */
async function maildevOfAnotherLauncher({ user, password }) {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, MAILDEV_OF_ANOTHER_LAUNCHER: JSON.stringify({ user, password }) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pid = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the other launcher exited (${code}) before its MailDev was up`)));
  });
  return {
    pid,
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.send('stop');
    }),
  };
}

describe('a MailDev another launcher started', () => {
  it('stop() leaves it running: a piece stops only what this process started', { timeout: 60_000 }, async () => {
    const other = await maildevOfAnotherLauncher({ user: 'orderflow-test', password: 'test-password' });
    try {
      const before = await maildev.health();
      assert.equal(before.healthy, true, before.detail);
      await maildev.stop();
      assert.equal(pidRuns(other.pid), true, 'the other launcher\'s MailDev was stopped');
      assert.equal((await maildev.health()).healthy, true);
    } finally {
      await other.stop();
    }
  });

  it('when it does not accept our SMTP login (started with other credentials), start() fails and names ORDERFLOW_SMTP_USER/PASSWORD', { timeout: 60_000 }, async () => {
    const other = await maildevOfAnotherLauncher({ user: 'someone-else', password: 'another-password' });
    try {
      await assert.rejects(maildev.start({ user: 'orderflow-test', password: 'test-password' }), (error) => {
        assert.match(error.message, /does not accept the SMTP login of \.local\/secrets\/dev-secrets\.json \(535/);
        assert.match(error.hint, /ORDERFLOW_SMTP_USER and ORDERFLOW_SMTP_PASSWORD/);
        return true;
      });
      assert.equal(await maildev.start({ user: 'someone-else', password: 'another-password' }), null, 'with the login it was started with, it is reused');
    } finally {
      await maildev.stop(); // one this process started, should a start above have started one
      await other.stop();
    }
  });
});
