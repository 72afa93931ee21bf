// The drills' control channel (npm test only): a small HTTP server on
// 127.0.0.1, on a random port, that wants a random bearer token; Jest gets
// both (ORDERFLOW_CONTROL_URL, ORDERFLOW_CONTROL_TOKEN) and e2e/support/control.ts
// speaks it. Through it a test injects real faults into the stack the launcher
// runs: signals a process, stops one for good and starts it again, restarts
// PostgreSQL, starts and stops a second instance of a service, and sets the
// SMTP fault proxy's mode.
//
//   GET  /processes                         [{ name, pid, alive, restarts, supervised, tier }]
//   POST /processes/signal  { name, signal }   SIGKILL, SIGSTOP, SIGCONT, SIGTERM
//   POST /processes/stop    { name, signal? }  stop without restarting (gracefully, or with signal)
//   POST /processes/start   { name }           start again (or at once, when a restart waits)
//   POST /postgres/restart  { downForMs? }   graceful stop, that long down, then start: { downMs } or 409 { reason }
//   POST /instances         { service }        { name, ports } once ready
//   POST /instances/stop    { name, signal? }
//   GET  /smtp                              the proxy's mode and counters
//   PUT  /smtp              { mode, delayMs?, endOfData?, recipient?, holdEndOfData? } pass | delay | refuse-auth | refuse-recipient
import crypto from 'node:crypto';
import http from 'node:http';
import { findProcess, listProcesses } from './processes.mjs';
import { reportAndGoOn } from './errors.mjs';

const SIGNALS = ['SIGKILL', 'SIGSTOP', 'SIGCONT', 'SIGTERM'];

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function describeProcess(entry) {
  return {
    name: entry.name,
    pid: entry.alive ? entry.child.pid : null,
    alive: entry.alive,
    restarts: entry.restarts ?? 0,
    supervised: Boolean(entry.supervised),
    restartPending: Boolean(entry.restartPending),
    tier: entry.tier,
  };
}

function processNamed(name) {
  const entry = typeof name === 'string' ? findProcess(name) : undefined;
  if (!entry) throw new ControlError(404, `no process named ${JSON.stringify(name)} (known: ${listProcesses().map((p) => p.name).join(', ')})`);
  return entry;
}

function signalNamed(signal, { required }) {
  if (signal === undefined && !required) return undefined;
  if (!SIGNALS.includes(signal)) throw new ControlError(400, `signal must be one of ${SIGNALS.join(', ')}`);
  return signal;
}

async function readJson(request) {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 10_000) throw new ControlError(413, 'body too large');
  }
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ControlError(400, `the body is not JSON (${error.message})`);
  }
}

/**
 * Starts the control server. `restartPostgres({ downForMs })` resolves with { downMs } or
 * { skipped: reason }; `startInstance(service)` with { name, ports, stop() };
 * `smtpProxy` is tools/devstack/lib/smtp-fault-proxy.mjs's handle.
 * Returns { url, token, close() }.
 */
export async function startControlServer({ restartPostgres, startInstance, smtpProxy }) {
  const token = crypto.randomBytes(24).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const instances = new Map();

  const routes = {
    'GET /processes': () => listProcesses().map(describeProcess),
    'POST /processes/signal': ({ name, signal }) => {
      const entry = processNamed(name);
      const chosen = signalNamed(signal, { required: true });
      if (!entry.alive) throw new ControlError(409, `${name} is not running`);
      entry.kill(chosen);
      return describeProcess(entry);
    },
    'POST /processes/stop': async ({ name, signal }) => {
      const entry = processNamed(name);
      if (!entry.supervised) throw new ControlError(409, `${name} is not supervised: it cannot be started again from here`);
      await entry.stop({ signal: signalNamed(signal, { required: false }) });
      return describeProcess(entry);
    },
    'POST /processes/start': ({ name }) => {
      const entry = processNamed(name);
      if (!entry.supervised) throw new ControlError(409, `${name} is not supervised: it cannot be started from here`);
      entry.start();
      return describeProcess(entry);
    },
    'POST /postgres/restart': async ({ downForMs = 0 }) => {
      if (!(Number.isInteger(downForMs) && downForMs >= 0 && downForMs <= 120_000)) {
        throw new ControlError(400, 'downForMs must be a whole number of milliseconds, 0 to 120000');
      }
      const result = await restartPostgres({ downForMs });
      if (result.skipped) throw new ControlError(409, result.skipped);
      return result;
    },
    'POST /instances': async ({ service }) => {
      const instance = await startInstance(service);
      instances.set(instance.name, instance);
      return { name: instance.name, ports: instance.ports };
    },
    'POST /instances/stop': async ({ name, signal }) => {
      const instance = instances.get(name);
      if (!instance) throw new ControlError(404, `no extra instance named ${JSON.stringify(name)}`);
      await instance.stop({ signal: signalNamed(signal, { required: false }) });
      instances.delete(name);
      return { name, stopped: true };
    },
    'GET /smtp': () => smtpProxy.status(),
    'PUT /smtp': (body) => {
      try {
        return smtpProxy.setMode(body);
      } catch (error) {
        throw new ControlError(400, error.message);
      }
    },
  };

  const server = http.createServer(async (request, response) => {
    const answer = (status, body) => {
      response.writeHead(status, { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' });
      response.end(JSON.stringify(body));
    };
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      answer(401, { title: 'Unauthorized', status: 401, detail: 'send Authorization: Bearer <ORDERFLOW_CONTROL_TOKEN>' });
      return;
    }
    const route = routes[`${request.method} ${new URL(request.url, 'http://control').pathname}`];
    if (!route) {
      answer(404, { title: 'Not Found', status: 404, detail: `no route ${request.method} ${request.url}` });
      return;
    }
    try {
      answer(200, await route(await readJson(request)));
    } catch (error) {
      const status = error instanceof ControlError ? error.status : 500;
      answer(status, { title: http.STATUS_CODES[status], status, detail: error.message });
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    token,
    async close() {
      for (const instance of instances.values()) await instance.stop().catch(reportAndGoOn(`stopping the extra instance ${instance.name}`));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
