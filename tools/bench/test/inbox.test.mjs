// Counting the e-mails: each accepted order must become exactly one e-mail to its
// customer. Against a stand-in for MailDev's API on a real socket.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Inbox } from '../inbox.mjs';

/** MailDev's GET /api/email?skip=&limit= and DELETE /api/email/all, over a list the test fills. */
const mailbox = { messages: [], deletes: 0 };
let server;
let url;
let dir;

before(async () => {
  server = http.createServer((request, response) => {
    const { pathname, searchParams } = new URL(request.url, 'http://x');
    response.setHeader('content-type', 'application/json');
    if (request.method === 'DELETE' && pathname === '/api/email/all') {
      mailbox.messages = [];
      mailbox.deletes += 1;
      return response.end('true');
    }
    if (request.method === 'GET' && pathname === '/api/email') {
      const skip = Number(searchParams.get('skip'));
      return response.end(JSON.stringify(mailbox.messages.slice(skip, skip + Number(searchParams.get('limit')))));
    }
    response.statusCode = 404;
    response.end('{}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-inbox-'));
});

after(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  mailbox.messages = [];
  mailbox.deletes = 0;
});

let files = 0;
/** An e-mail as MailDev lists it; its .eml file written `receivedAt` (ms), or no file (`source` unreadable). */
function email(reference, to, { receivedAt, time = '2026-11-25T20:00:01.000Z' } = {}) {
  files += 1;
  const source = path.join(dir, `${files}.eml`);
  if (receivedAt !== undefined) {
    fs.writeFileSync(source, 'mail');
    fs.utimesSync(source, receivedAt / 1000, receivedAt / 1000);
  }
  return { subject: `Your order ${reference} is confirmed`, to: [{ address: to }], source, time };
}

const A = 'ORD-AAAAAAAAAAAAAAAA';
const B = 'ORD-BBBBBBBBBBBBBBBB';
const C = 'ORD-CCCCCCCCCCCCCCCC';

describe('the inbox', () => {
  it('matches each e-mail to its order by the reference in the subject, and counts lost, duplicated and misaddressed ones', async () => {
    const inbox = new Inbox(url);
    inbox.expect('orders@1', [
      [A, 'a@bench.example.com', 1_000, 201],
      [B, 'b@bench.example.com', 1_000, 201],
      [C, 'c@bench.example.com', 1_000, 202],
    ]);
    mailbox.messages.push(
      email(A, 'a@bench.example.com', { receivedAt: 1_250 }),
      email(A, 'A@bench.example.com', { receivedAt: 1_300 }),
      email(B, 'someone-else@bench.example.com', { receivedAt: 1_500 }),
      email('ORD-ZZZZZZZZZZZZZZZZ', 'z@bench.example.com', { receivedAt: 1_500 }),
    );
    assert.equal(await inbox.drain(0), false);
    const report = inbox.report('orders@1');
    assert.deepEqual(report, { expected: 3, delivered: 2, missing: 1, duplicated: 1, misaddressed: 1, lagsMs: [250, 500], lagPrecise: true });
    assert.equal(inbox.unmatched, 1);
  });

  it('reads only what arrived since the last read, so an e-mail is counted once', async () => {
    const inbox = new Inbox(url);
    inbox.expect('g', [[A, 'a@x', 0, 201], [B, 'b@x', 0, 201]]);
    mailbox.messages.push(email(A, 'a@x', { receivedAt: 10 }));
    await inbox.fetchNew();
    mailbox.messages.push(email(B, 'b@x', { receivedAt: 20 }));
    await inbox.fetchNew();
    await inbox.fetchNew();
    assert.equal(inbox.report('g').duplicated, 0);
    assert.equal(inbox.missing('g'), 0);
  });

  it('when the .eml file cannot be read, then the lag comes from the Date header and is marked as whole seconds', async () => {
    const inbox = new Inbox(url);
    inbox.expect('g', [[A, 'a@x', Date.parse('2026-11-25T20:00:00.000Z'), 201]]);
    mailbox.messages.push(email(A, 'a@x', { time: '2026-11-25T20:00:02.000Z' }));
    await inbox.drain(0);
    assert.deepEqual(inbox.report('g').lagsMs, [2_000]);
    assert.equal(inbox.report('g').lagPrecise, false);
    assert.equal(inbox.coarse, 1);
  });

  it('empties MailDev only when no expected e-mail is outstanding (a late one would be deleted uncounted)', async () => {
    const inbox = new Inbox(url);
    inbox.expect('g', [[A, 'a@x', 0, 201], [B, 'b@x', 0, 201]]);
    mailbox.messages.push(email(A, 'a@x', { receivedAt: 10 }));
    await inbox.fetchNew();
    assert.equal(await inbox.clearIfComplete(), false);
    assert.equal(mailbox.deletes, 0);
    mailbox.messages.push(email(B, 'b@x', { receivedAt: 20 }));
    assert.equal(await inbox.drain(1_000), true);
    assert.equal(await inbox.clearIfComplete(), true);
    assert.equal(mailbox.deletes, 1);
  });
});
