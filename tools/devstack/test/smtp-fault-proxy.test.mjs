// The drills' SMTP fault proxy, on real sockets: a small SMTP server behind it
// records what reaches it.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startSmtpFaultProxy } from '../lib/smtp-fault-proxy.mjs';

/** An SMTP server that accepts any login and message, and records every line it gets. */
async function startRecordingServer() {
  const received = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = '';
    let inData = false;
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        received.push(line);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 2.0.0 queued\r\n');
          }
          continue;
        }
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO') socket.write('250-test\r\n250 AUTH PLAIN LOGIN\r\n');
        else if (verb === 'AUTH') socket.write('235 2.7.0 Authentication successful\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    received,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A client that sends one line at a time and reads the server's whole reply to it. */
function smtpClient(port) {
  const socket = net.connect({ host: '127.0.0.1', port });
  let buffer = '';
  let waiting;
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.on('error', () => {});
  const deliver = () => {
    // A reply is complete at a line "NNN text" (a hyphen after the code means more lines follow).
    const match = /(^|\r\n)\d{3} [^\r\n]*\r\n/.exec(buffer);
    if (!match || !waiting) return;
    const reply = buffer.slice(0, match.index + match[0].length);
    buffer = buffer.slice(reply.length);
    const { resolve } = waiting;
    waiting = undefined;
    resolve(reply.trim());
  };
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    deliver();
  });
  const nextReply = () =>
    new Promise((resolve, reject) => {
      waiting = { resolve };
      socket.once('close', () => reject(new Error('connection closed')));
      deliver();
    });
  return {
    greeting: nextReply(),
    async send(line) {
      socket.write(`${line}\r\n`);
      return nextReply();
    },
    closed,
    destroy: () => socket.destroy(),
  };
}

describe('the SMTP fault proxy', () => {
  let server;
  let proxy;
  before(async () => {
    server = await startRecordingServer();
    proxy = await startSmtpFaultProxy({ upstreamPort: server.port });
  });
  after(async () => {
    await proxy.close();
    await server.close();
  });

  it('in pass mode, passes a whole conversation both ways, the login included', async () => {
    proxy.setMode({ mode: 'pass' });
    server.received.length = 0;
    const client = smtpClient(proxy.port);
    assert.match(await client.greeting, /^220/);
    assert.match(await client.send('EHLO me'), /^250-test\r\n250 AUTH/);
    assert.match(await client.send('AUTH PLAIN AGFAAGI='), /^235/);
    assert.match(await client.send('MAIL FROM:<a@example.com>'), /^250/);
    assert.match(await client.send('DATA'), /^354/);
    assert.match(await client.send('Subject: hi\r\n\r\nline one\r\n.'), /^250 2\.0\.0/);
    assert.match(await client.send('QUIT'), /^221/);
    assert.deepEqual(server.received, ['EHLO me', 'AUTH PLAIN AGFAAGI=', 'MAIL FROM:<a@example.com>', 'DATA', 'Subject: hi', '', 'line one', '.', 'QUIT']);
  });

  it('in delay mode, holds every reply of the server for the delay, and lets them through at once again in pass mode', async () => {
    proxy.setMode({ mode: 'delay', delayMs: 400 });
    const client = smtpClient(proxy.port);
    let started = Date.now();
    assert.match(await client.greeting, /^220/);
    assert.ok(Date.now() - started >= 380, 'the greeting was held');
    started = Date.now();
    assert.match(await client.send('EHLO me'), /^250/);
    assert.ok(Date.now() - started >= 380, 'the EHLO reply was held');
    proxy.setMode({ mode: 'pass' });
    started = Date.now();
    assert.match(await client.send('NOOP'), /^250/);
    assert.ok(Date.now() - started < 200, 'back in pass mode the reply is not held');
    client.destroy();
  });

  it('in delay mode with endOfData off, holds every reply but the one to the message\'s final ".", and counts the sends under way', async () => {
    proxy.setMode({ mode: 'pass' });
    const client = smtpClient(proxy.port);
    await client.greeting;
    await client.send('EHLO me');
    proxy.setMode({ mode: 'delay', delayMs: 400, endOfData: false });
    let started = Date.now();
    assert.match(await client.send('MAIL FROM:<a@example.com>'), /^250/);
    assert.ok(Date.now() - started >= 380, 'the MAIL reply was held');
    assert.equal(proxy.status().transactionsInFlight, 1);
    await client.send('RCPT TO:<b@example.com>');
    await client.send('DATA');
    started = Date.now();
    assert.match(await client.send('Subject: hi\r\n\r\ntext\r\n.'), /^250 2\.0\.0/);
    assert.ok(Date.now() - started < 200, 'the reply to the final "." was not held');
    assert.equal(proxy.status().transactionsInFlight, 0);
    proxy.setMode({ mode: 'pass' });
    client.destroy();
  });

  it('with holdEndOfData, keeps each final "." from the server until the hold ends: a client that dies meanwhile sent nothing, one that lives on gets its reply', async () => {
    proxy.setMode({ mode: 'pass' });
    server.received.length = 0;
    const dying = smtpClient(proxy.port);
    const living = smtpClient(proxy.port);
    for (const client of [dying, living]) {
      await client.greeting;
      await client.send('EHLO me');
      await client.send('MAIL FROM:<a@example.com>');
      await client.send('RCPT TO:<b@example.com>');
      await client.send('DATA');
    }
    const before = proxy.status().lastEndOfDataReplyAt;
    proxy.setMode({ mode: 'delay', delayMs: 50, endOfData: false, holdEndOfData: true });
    const dyingReply = dying.send('Subject: one\r\n\r\nfirst\r\n.');
    const livingReply = living.send('Subject: two\r\n\r\nsecond\r\n.');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(proxy.status().endOfDataHeld, 2);
    assert.equal(server.received.filter((line) => line === '.').length, 0, 'no "." reached the server while held');
    dying.destroy();
    dyingReply.catch((error) => assert.ok(error instanceof Error, 'the dying client\'s reply fails'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.setMode({ mode: 'delay', delayMs: 50, endOfData: false });
    assert.match(await livingReply, /^250 2\.0\.0/);
    assert.equal(server.received.filter((line) => line === '.').length, 1, 'only the living client\'s message was taken');
    assert.ok(proxy.status().lastEndOfDataReplyAt > before);
    assert.equal(proxy.status().endOfDataHeld, 0);
    proxy.setMode({ mode: 'pass' });
    living.destroy();
  });

  it('in refuse-recipient mode, refuses RCPT for the addresses it names with 550 5.1.1 itself, and passes every other', async () => {
    proxy.setMode({ mode: 'refuse-recipient', recipient: 'nobody.' });
    server.received.length = 0;
    const client = smtpClient(proxy.port);
    await client.greeting;
    await client.send('EHLO me');
    assert.match(await client.send('MAIL FROM:<a@example.com>'), /^250/);
    assert.equal(await client.send('RCPT TO:<nobody.1@example.com>'), '550 5.1.1 <nobody.1@example.com>: Recipient address rejected: User unknown');
    assert.match(await client.send('RCPT TO:<ann@example.com>'), /^250/);
    assert.deepEqual(server.received, ['EHLO me', 'MAIL FROM:<a@example.com>', 'RCPT TO:<ann@example.com>']);
    assert.equal(proxy.status().recipientsRefused, 1);
    assert.throws(() => proxy.setMode({ mode: 'refuse-recipient' }), /needs recipient/);
    proxy.setMode({ mode: 'pass' });
    client.destroy();
  });

  it('entering refuse-auth drops the open connections', async () => {
    proxy.setMode({ mode: 'pass' });
    const client = smtpClient(proxy.port);
    await client.greeting;
    assert.equal(proxy.status().openConnections, 1);
    proxy.setMode({ mode: 'refuse-auth' });
    await client.closed;
    proxy.setMode({ mode: 'pass' });
  });

  it('in refuse-auth mode, answers AUTH with 535 itself and never passes it on, but passes a message line that starts with AUTH', async () => {
    proxy.setMode({ mode: 'refuse-auth' });
    server.received.length = 0;
    const client = smtpClient(proxy.port);
    await client.greeting;
    await client.send('EHLO me');
    assert.equal(await client.send('AUTH PLAIN AGFAAGI='), '535 5.7.8 Authentication credentials invalid');
    assert.equal(await client.send('auth login'), '535 5.7.8 Authentication credentials invalid');
    assert.match(await client.send('MAIL FROM:<a@example.com>'), /^250/);
    assert.match(await client.send('DATA'), /^354/);
    assert.match(await client.send('AUTH is a word in this message\r\n.'), /^250/);
    assert.deepEqual(server.received, ['EHLO me', 'MAIL FROM:<a@example.com>', 'DATA', 'AUTH is a word in this message', '.']);
    assert.ok(proxy.status().authRefused >= 2);

    proxy.setMode({ mode: 'pass' });
    assert.match(await client.send('AUTH PLAIN AGFAAGI='), /^235/);
    client.destroy();
  });

  it('refuses a mode it does not know, and a delay without a length', () => {
    assert.throws(() => proxy.setMode({ mode: 'slow' }), /unknown SMTP fault mode/);
    assert.throws(() => proxy.setMode({ mode: 'delay' }), /delayMs/);
  });
});
