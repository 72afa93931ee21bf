// "Use what is already running", for real: a MailDev started by its piece is
// found by detect(), and a second start() uses it (and says so) instead of
// starting another: one process, the same ports. This is the path `npm start`
// takes against the Docker alternative's containers or a second terminal's stack.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../lib/local-files.mjs';

// Before the piece reads its settings: ports of this test's own.
const smtpPort = await freePort();
const webPort = await freePort();
process.env.SMTP_PORT = String(smtpPort);
process.env.MAILDEV_WEB_PORT = String(webPort);
const { listProcesses, recordProcessesIn } = await import('../lib/processes.mjs');
// Not the stack's record of its processes (.local/run/processes.json): a stack may be running.
recordProcessesIn(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-running-')), 'processes.json'));
const { piece: maildev } = await import('../pieces/maildev.mjs');

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
