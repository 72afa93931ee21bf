// MailDev: the SMTP server that catches the notification service's e-mails in local
// runs and tests, with a web UI and REST API to read them. Bound to 127.0.0.1 only,
// never relays anything onward.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findProcess, startProcess } from '../lib/processes.mjs';
import { LOCAL, ROOT, settings } from '../lib/settings.mjs';
import { info, SetupError, waitFor } from '../lib/step.mjs';
import { tcpAnswers } from '../lib/local-files.mjs';
import { definePiece, healthy, notHealthy } from '../lib/piece.mjs';
import { isNoAnswer } from '../lib/errors.mjs';

/** Base URL of MailDev's web UI and REST API (`/api/email`, ...). */
export const mailDevUrl = `http://127.0.0.1:${settings.smtp.webPort}`;

const MAILDEV_BIN = path.join(ROOT, 'node_modules', '.bin', 'maildev');

/** MailDev's executable. MailDev is an npm package of the root workspace: npm ci installs it. */
function ensureMailDev() {
  if (!fs.existsSync(MAILDEV_BIN)) {
    throw new SetupError(`MailDev is not installed (${path.relative(ROOT, MAILDEV_BIN)} is missing)`, { hint: 'run npm ci' });
  }
  return MAILDEV_BIN;
}

/** True when a MailDev (or something speaking its API) answers GET /api/email with a list. */
async function apiAnswers() {
  try {
    const response = await fetch(`${mailDevUrl}/api/email`, { signal: AbortSignal.timeout(2000) });
    if (response.status !== 200) return false;
    return Array.isArray(await response.json());
  } catch (error) {
    // Nothing there, or something that does not answer with JSON: not a MailDev.
    if (isNoAnswer(error) || error instanceof SyntaxError) return false;
    throw error;
  }
}


/** True when an SMTP server greets (220) on 127.0.0.1:port. */
function smtpAnswers(port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let greeting = '';
    const done = (value) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      greeting += chunk.toString();
      if (!greeting.includes('\n')) return;
      const ok = greeting.startsWith('220');
      if (ok) socket.write('QUIT\r\n');
      done(ok);
    });
  });
}

/**
 * What an SMTP server on 127.0.0.1:port answers to a login (EHLO, then AUTH PLAIN),
 * as the sidecars' binding logs in: `{ accepted, reply }`, reply the server's last line.
 * A server that offers no AUTH does not accept it either (the binding's login fails there too).
 */
export function smtpLogin(port, user, password, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buffered = '';
    let stage = 'greeting';
    const done = (result) => {
      stage = 'done';
      socket.end('QUIT\r\n');
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no SMTP answer on 127.0.0.1:${port} within ${timeoutMs} ms (at ${stage})`));
    });
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      if (!buffered.endsWith('\n')) return;
      const lines = buffered.trim().split(/\r?\n/);
      const last = lines.at(-1);
      if (/^\d{3}-/.test(last)) return; // a multi-line reply goes on
      buffered = '';
      if (stage === 'greeting') {
        stage = 'ehlo';
        socket.write('EHLO orderflow-launcher\r\n');
      } else if (stage === 'ehlo') {
        if (!lines.some((line) => /^250[- ]AUTH\b.*\bPLAIN\b/i.test(line))) return done({ accepted: false, reply: 'the server offers no AUTH PLAIN login' });
        stage = 'auth';
        socket.write(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}\r\n`);
      } else if (stage === 'auth') {
        done({ accepted: last.startsWith('235'), reply: last });
      }
    });
  });
}

/**
 * Starts MailDev (SMTP on 127.0.0.1:SMTP_PORT, web UI/API on 127.0.0.1:MAILDEV_WEB_PORT)
 * and waits until its API answers. Reuses a MailDev already running there (returns null);
 * fails clearly when the ports belong to something else.
 * @returns {Promise<ReturnType<typeof startProcess> | null>}
 */
export async function startMailDev({ user, password } = {}) {
  const { port, webPort } = settings.smtp;

  if (await apiAnswers()) {
    if (!(await smtpAnswers(port))) {
      throw new SetupError(`a MailDev answers on ${mailDevUrl}, but no SMTP server answers on 127.0.0.1:${port}`, {
        hint: 'stop that MailDev, or set SMTP_PORT to the SMTP port it was started with',
      });
    }
    if (user && password) {
      // The sidecars log in with dev-secrets' SMTP user: a MailDev started with another login would refuse every e-mail.
      const login = await smtpLogin(port, user, password);
      if (!login.accepted) {
        throw new SetupError(`the MailDev already running at ${mailDevUrl} does not accept the SMTP login of .local/secrets/dev-secrets.json (${login.reply})`, {
          hint: 'restart it with that login: for the Docker alternative, export ORDERFLOW_SMTP_USER and ORDERFLOW_SMTP_PASSWORD as tools/devstack/README.md shows and run `docker compose ... up -d maildev` again; or stop it and let npm start run its own',
        });
      }
    }
    info(`reusing the MailDev already running at ${mailDevUrl} (SMTP 127.0.0.1:${port})`);
    try {
      const config = await (await fetch(`${mailDevUrl}/api/config`, { signal: AbortSignal.timeout(2000) })).json();
      if (config?.isOutgoingEnabled) info(`warning: that MailDev relays mail onward (to ${config.outgoingHost})`);
    } catch (error) {
      // An older MailDev has no /api/config.
      info(`that MailDev does not say whether it relays mail onward (/api/config: ${error.message})`);
    }
    return null;
  }
  for (const [busy, variable] of [
    [webPort, 'MAILDEV_WEB_PORT'],
    [port, 'SMTP_PORT'],
  ]) {
    if (await tcpAnswers(busy)) {
      throw new SetupError(`port ${busy} on 127.0.0.1 (needed by MailDev) is already used by another program`, {
        hint: `stop that program, or set ${variable} to a free port`,
      });
    }
  }

  const script = fs.realpathSync(ensureMailDev());

  // MailDev reads MAILDEV_* variables and looks for .maildevrc.json / maildev.config.*
  // in its working directory and every parent. Neither may turn on relaying or move the
  // ports: give it an explicit, empty config file and drop the variables.
  const dir = path.join(LOCAL, 'maildev');
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'maildev.config.json');
  fs.writeFileSync(configFile, '{}\n');
  const env = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('MAILDEV_')).map((k) => [k, undefined]));

  const handle = startProcess({
    name: 'maildev',
    command: process.execPath,
    args: [
      script,
      '--ip', '127.0.0.1',
      '--smtp', String(port),
      '--web-ip', '127.0.0.1',
      '--web', String(webPort),
      '--config', configFile,
      // SMTP login, as a real server wants one: the sidecar's binding gets it from the secret store.
      ...(user && password ? ['--incoming-user', user, '--incoming-pass', password] : []),
    ],
    cwd: dir,
    env,
  });
  const hint = `see ${handle.logFile}`;
  try {
    await waitFor(`MailDev at ${mailDevUrl}`, async () => !handle.alive || (await apiAnswers()), {
      timeoutMs: 30_000,
      intervalMs: 100,
      hint,
    });
    handle.assertAlive(hint);
    if (!(await smtpAnswers(port))) {
      throw new SetupError(`MailDev started, but its SMTP server does not answer on 127.0.0.1:${port}`, { hint });
    }
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}

// ---------------------------------------------------------------------------------------
// Helpers for tests

async function api(method, pathname) {
  const response = await fetch(`${mailDevUrl}${pathname}`, { method, signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`MailDev ${method} ${pathname} answered ${response.status}`);
  return response.json();
}

/** Every e-mail MailDev holds, oldest first (subject, from, to, text, html, headers, ...). */
export function listEmails() {
  return api('GET', '/api/email');
}

/** Forgets every e-mail (call it before a test that counts e-mails). */
export async function deleteAllEmails() {
  await api('DELETE', '/api/email/all');
}

/**
 * Waits until an e-mail matching `predicate` arrives and returns it.
 * e.g. `await waitForEmail((m) => m.to.some((t) => t.address === 'ann@example.com'))`
 */
export async function waitForEmail(predicate = () => true, { timeoutMs = 10_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let emails = [];
  for (;;) {
    emails = await listEmails();
    const match = emails.find(predicate);
    if (match) return match;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const subjects = emails.map((m) => JSON.stringify(m.subject)).join(', ') || 'none';
  throw new Error(`no matching e-mail arrived in MailDev within ${timeoutMs} ms (it holds: ${subjects})`);
}

/** The piece (tools/devstack/lib/piece.mjs): MailDev on SMTP_PORT and MAILDEV_WEB_PORT. */
export const piece = definePiece({
  name: 'maildev',
  kind: 'server',
  async detect() {
    const running = await apiAnswers();
    return { installed: fs.existsSync(MAILDEV_BIN), running, where: running ? mailDevUrl : path.relative(ROOT, MAILDEV_BIN) };
  },
  async install() {
    return ensureMailDev();
  },
  start: startMailDev,
  async health() {
    if (!(await apiAnswers())) return notHealthy(`no MailDev API at ${mailDevUrl}`);
    if (!(await smtpAnswers(settings.smtp.port))) return notHealthy(`no SMTP greeting on 127.0.0.1:${settings.smtp.port}`);
    return healthy(`API ${mailDevUrl}, SMTP 127.0.0.1:${settings.smtp.port}`);
  },
  stop: async () => findProcess('maildev')?.stop(),
});
