// An SMTP proxy for the drills (npm test only): the sidecars' SMTP binding
// talks to it (ORDERFLOW_SMTP_PORT), it talks to MailDev. It can make the
// server misbehave the way real ones do, without touching MailDev:
//
//   pass          transparent (the default)
//   delay         every reply of the server reaches the client `delayMs` late
//                 (greylisting tarpits, content scanning, a slow link); the
//                 client's own lines are not held. With `endOfData: false` the
//                 reply to a message's final "." is not held: a send is slow
//                 up to its last line, and once that is out the outcome comes
//                 at once (a client killed mid-send is then almost surely
//                 killed before the server took the message)
//   refuse-recipient  the proxy answers RCPT TO for an address containing
//                 `recipient` itself with 550 5.1.1 (no such user), as a
//                 server does for a mailbox that does not exist; others pass
//   refuse-auth   the proxy answers every AUTH itself with
//                 535 5.7.8 Authentication credentials invalid, as a server
//                 whose password was rotated does; the connections open when
//                 the mode is entered are dropped, as when that server restarts
//
// In any mode, `holdEndOfData: true` holds back each message's final "." (and
// whatever the client sends after it) until the flag is cleared: the server has
// not taken the message yet. A drill kills a client then, certain that none of
// its sends was taken (the one window no design closes, the server's reply to
// "." lost with its client, is staged by its own test instead); a client that
// lives on gets its "." through when the hold ends. `lastEndOfDataReplyAt` says
// when a reply to a "." last reached a client.
//
// Lines of a message (between DATA's 354 and the lone ".") are never taken
// for commands. Node built-ins only, as every script of the launcher.
import net from 'node:net';

export const SMTP_FAULT_MODES = ['pass', 'delay', 'refuse-auth', 'refuse-recipient'];
export const AUTH_REFUSED = '535 5.7.8 Authentication credentials invalid\r\n';

/**
 * Starts the proxy on 127.0.0.1 (port 0: any free port) in front of
 * 127.0.0.1:`upstreamPort`. Returns { port, setMode, status, close }.
 */
export async function startSmtpFaultProxy({ upstreamPort, port = 0, host = '127.0.0.1' }) {
  let mode = { mode: 'pass', delayMs: 0, endOfData: true, holdEndOfData: false };
  let lastEndOfDataReplyAt = 0;
  const sessions = new Set();
  const counts = { connections: 0, authRefused: 0, recipientsRefused: 0, repliesDelayed: 0, dropped: 0 };

  const server = net.createServer((client) => {
    counts.connections += 1;
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    const session = {
      client,
      upstream,
      /** Between DATA's 354 and the lone ".": the client's lines are the message. */
      inData: false,
      /** The "." went out: the server's next reply says whether it took the message. */
      awaitingEndOfData: false,
      /** From MAIL FROM until the reply to the message's "." (or RSET). */
      inTransaction: false,
      held: '',
      lineStart: '',
      lineForwarded: false,
      serverBuffer: '',
      releaseAt: 0,
      /** The message's final "." and what followed it, held back while mode.holdEndOfData. */
      heldEndOfData: undefined,
    };
    sessions.add(session);
    const close = () => {
      sessions.delete(session);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', () => {
      // What the server said last still reaches the client, after its delay.
      const wait = Math.max(0, session.releaseAt - Date.now());
      setTimeout(close, wait + 10);
    });

    upstream.on('data', (chunk) => {
      const awaitingEndOfData = session.awaitingEndOfData;
      const spared = awaitingEndOfData && !mode.endOfData;
      watchReplies(session, chunk.toString('latin1'));
      const endOfDataReplied = awaitingEndOfData && !session.awaitingEndOfData;
      const delayMs = mode.mode === 'delay' && !spared ? mode.delayMs : 0;
      // Replies keep their order: none overtakes one still held.
      const releaseAt = Math.max(Date.now() + delayMs, session.releaseAt);
      session.releaseAt = releaseAt;
      const wait = releaseAt - Date.now();
      const deliver = () => {
        if (client.destroyed) return;
        client.write(chunk);
        if (endOfDataReplied) lastEndOfDataReplyAt = Date.now();
      };
      if (wait <= 0) return deliver();
      counts.repliesDelayed += 1;
      setTimeout(deliver, wait);
    });

    client.on('data', (chunk) => {
      if (session.heldEndOfData !== undefined) {
        session.heldEndOfData += chunk.toString('latin1');
        return;
      }
      const forward = filterClientLines(session, chunk.toString('latin1'));
      if (forward.length > 0 && !upstream.destroyed) upstream.write(Buffer.from(forward, 'latin1'));
    });
  });

  /** Notes where a message's text starts (354) so its lines are never read as commands. */
  function watchReplies(session, text) {
    session.serverBuffer += text;
    if (session.serverBuffer.length > 4096) session.serverBuffer = session.serverBuffer.slice(-4096);
    let end;
    while ((end = session.serverBuffer.indexOf('\n')) >= 0) {
      const line = session.serverBuffer.slice(0, end);
      session.serverBuffer = session.serverBuffer.slice(end + 1);
      if (/^354[ \r]/.test(line) || line === '354') session.inData = true;
      // The last line of a reply ("250 ..." rather than "250-..."): the reply to the "." is complete.
      if (session.awaitingEndOfData && /^\d{3}([ \r]|$)/.test(line)) {
        session.awaitingEndOfData = false;
        session.inTransaction = false;
      }
    }
  }

  /**
   * The client's bytes to pass on: all of them, at once, less each AUTH line
   * answered here. Only in refuse-auth mode is a command line held until it
   * ends (to see whether it is an AUTH); message text never is.
   */
  function filterClientLines(session, text) {
    let forward = '';
    let rest = text;
    while (rest.length > 0) {
      const newline = rest.indexOf('\n');
      const complete = newline >= 0;
      const piece = complete ? rest.slice(0, newline + 1) : rest;
      rest = complete ? rest.slice(newline + 1) : '';
      // Enough of the line to tell a lone "." (the end of a message) from anything else.
      session.lineStart = (session.lineStart + piece).slice(0, 4);
      if (session.lineForwarded) {
        forward += piece;
      } else if (!complete) {
        const mayBeEndOfData = session.inData && mode.holdEndOfData && (session.held + piece === '.' || session.held + piece === '.\r');
        if (((mode.mode === 'refuse-auth' || mode.mode === 'refuse-recipient') && !session.inData) || mayBeEndOfData) {
          session.held += piece;
        } else {
          forward += session.held + piece;
          session.held = '';
          session.lineForwarded = true;
        }
      } else {
        const line = session.held + piece;
        session.held = '';
        if (session.inData && mode.holdEndOfData && (line === '.\r\n' || line === '.\n')) {
          // Held with all that follows it, until the hold ends.
          session.heldEndOfData = line + rest;
          rest = '';
        } else if (!session.inData && mode.mode === 'refuse-auth' && /^AUTH(\s|$)/i.test(line)) refuseAuth(session);
        else if (!session.inData && mode.mode === 'refuse-recipient' && /^RCPT TO:/i.test(line) && line.includes(mode.recipient)) {
          refuseRecipient(session, line);
        } else forward += line;
      }
      if (complete) {
        if (session.inData && (session.lineStart === '.\r\n' || session.lineStart === '.\n')) {
          session.inData = false;
          session.awaitingEndOfData = true;
        } else if (!session.inData && /^MAIL/i.test(session.lineStart)) {
          session.inTransaction = true;
        } else if (!session.inData && /^(RSET|QUIT)/i.test(session.lineStart)) {
          session.inTransaction = false;
        }
        session.lineStart = '';
        session.lineForwarded = false;
      }
    }
    return forward;
  }

  function refuseRecipient(session, line) {
    counts.recipientsRefused += 1;
    const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
    const reply = `550 5.1.1 <${address}>: Recipient address rejected: User unknown\r\n`;
    const wait = session.releaseAt - Date.now();
    const write = () => {
      if (!session.client.destroyed) session.client.write(reply);
    };
    if (wait > 0) setTimeout(write, wait);
    else write();
  }

  function refuseAuth(session) {
    counts.authRefused += 1;
    const reply = () => {
      if (!session.client.destroyed) session.client.write(AUTH_REFUSED);
    };
    const wait = session.releaseAt - Date.now();
    if (wait > 0) setTimeout(reply, wait);
    else reply();
  }

  /** The hold is over: each living client's "." (and what followed it) goes to the server. */
  function releaseEndOfData() {
    for (const session of sessions) {
      if (session.heldEndOfData === undefined) continue;
      const held = session.heldEndOfData;
      session.heldEndOfData = undefined;
      if (!session.upstream.destroyed) session.upstream.write(Buffer.from(held, 'latin1'));
    }
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });

  return {
    port: server.address().port,
    /** Switches the mode; entering refuse-auth drops the open connections. */
    setMode(next) {
      if (!SMTP_FAULT_MODES.includes(next.mode)) throw new Error(`unknown SMTP fault mode "${next.mode}" (${SMTP_FAULT_MODES.join(', ')})`);
      const delayMs = next.mode === 'delay' ? Number(next.delayMs) : 0;
      if (next.mode === 'delay' && !(Number.isInteger(delayMs) && delayMs > 0 && delayMs <= 600_000)) {
        throw new Error('delay needs delayMs: a whole number of milliseconds, 1 to 600000');
      }
      if (next.mode === 'refuse-recipient' && !(typeof next.recipient === 'string' && next.recipient.length > 0)) {
        throw new Error('refuse-recipient needs recipient: a part of the addresses to refuse');
      }
      const entering = next.mode !== mode.mode;
      mode = {
        mode: next.mode,
        delayMs,
        endOfData: next.mode !== 'delay' || next.endOfData !== false,
        holdEndOfData: next.holdEndOfData === true,
        ...(next.mode === 'refuse-recipient' ? { recipient: next.recipient } : {}),
      };
      if (entering && next.mode === 'refuse-auth') {
        // A server restarting drops its connections, but not one whose message
        // it already has and is answering: that would stage the one window no
        // design can close (the reply to the final "." lost), not a login refused.
        for (const session of sessions) {
          if (session.awaitingEndOfData) continue;
          counts.dropped += 1;
          session.client.destroy();
          session.upstream.destroy();
        }
      }
      if (!mode.holdEndOfData) releaseEndOfData();
      return this.status();
    },
    status() {
      const transactionsInFlight = [...sessions].filter((session) => session.inTransaction).length;
      const endOfDataHeld = [...sessions].filter((session) => session.heldEndOfData !== undefined).length;
      return { ...mode, openConnections: sessions.size, transactionsInFlight, endOfDataHeld, lastEndOfDataReplyAt, ...counts };
    },
    async close() {
      for (const session of sessions) {
        session.client.destroy();
        session.upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
