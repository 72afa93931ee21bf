// The launcher's control channel (tools/devstack/lib/control.mjs), as `npm test`
// starts it: real faults on the real processes of the stack.

export type Signal = 'SIGKILL' | 'SIGSTOP' | 'SIGCONT' | 'SIGTERM';
/**
 * The SMTP fault proxy's modes (tools/devstack/lib/smtp-fault-proxy.mjs). delay: every
 * reply of the server held `delayMs`; with `endOfData: false` not the reply to
 * a message's final ".".
 */
export type SmtpFaultMode = (
  | { mode: 'pass' }
  | { mode: 'delay'; delayMs: number; endOfData?: boolean }
  | { mode: 'refuse-auth' }
  | { mode: 'refuse-recipient'; recipient: string }
) & {
  /** Hold back each message's final "." from the server until a mode without it is set. */
  holdEndOfData?: boolean;
};

export interface ProcessInfo {
  name: string;
  pid: number | null;
  alive: boolean;
  restarts: number;
  supervised: boolean;
  restartPending: boolean;
  tier: 'app' | 'infra';
}

export interface InstancePorts {
  appPort: number;
  httpPort: number;
  grpcPort: number;
  internalGrpcPort: number;
  metricsPort: number;
}

export interface SmtpProxyStatus {
  mode: SmtpFaultMode['mode'];
  delayMs: number;
  endOfData: boolean;
  openConnections: number;
  /** Connections between MAIL FROM and the reply to the message's final ".": sends under way. */
  transactionsInFlight: number;
  holdEndOfData: boolean;
  /** Messages whose final "." the proxy holds back (holdEndOfData). */
  endOfDataHeld: number;
  /** When (ms since the epoch) a reply to a final "." last reached a client; 0 if never. */
  lastEndOfDataReplyAt: number;
  connections: number;
  authRefused: number;
  recipientsRefused: number;
  repliesDelayed: number;
  dropped: number;
}

const url = process.env.ORDERFLOW_CONTROL_URL;
const token = process.env.ORDERFLOW_CONTROL_TOKEN;

/** True when the tests run under `npm test`, which starts the control server. */
export const controlAvailable = Boolean(url && token);

/** Thrown for a 409 the launcher gave a reason for (e.g. PostgreSQL is not ours to restart). */
export class ControlRefused extends Error {}

async function call<T>(method: string, pathname: string, body?: unknown, timeoutMs = 150_000): Promise<T> {
  if (!controlAvailable) throw new Error('no control channel: run the drills through npm test (ORDERFLOW_CONTROL_URL is not set)');
  const response = await fetch(`${url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = (await response.json()) as any;
  if (response.status === 409) throw new ControlRefused(answer.detail);
  if (!response.ok) throw new Error(`control ${method} ${pathname}: ${response.status} ${answer.detail ?? ''}`);
  return answer as T;
}

export const control = {
  processes: () => call<ProcessInfo[]>('GET', '/processes'),
  async process(name: string): Promise<ProcessInfo> {
    const found = (await control.processes()).find((p) => p.name === name);
    if (!found) throw new Error(`the launcher runs no process named ${name}`);
    return found;
  },
  signal: (name: string, signal: Signal) => call<ProcessInfo>('POST', '/processes/signal', { name, signal }),
  /** Stops a supervised process without it being restarted: gracefully, or with `signal`. */
  stop: (name: string, signal?: Signal) => call<ProcessInfo>('POST', '/processes/stop', { name, signal }),
  start: (name: string) => call<ProcessInfo>('POST', '/processes/start', { name }),
  /**
   * Graceful stop of the project's PostgreSQL, `downForMs` without it, then a start;
   * ControlRefused when it is a server of the user's.
   */
  restartPostgres: (downForMs = 0) => call<{ downMs: number; stopMs: number }>('POST', '/postgres/restart', { downForMs }),
  /** One more instance of a service ("order-service#2"), its own sidecar; resolves once it is ready. */
  startInstance: (service: string) => call<{ name: string; ports: InstancePorts }>('POST', '/instances', { service }),
  stopInstance: (name: string, signal?: Signal) => call<{ name: string }>('POST', '/instances/stop', { name, signal }),
  smtp: () => call<SmtpProxyStatus>('GET', '/smtp'),
  setSmtp: (mode: SmtpFaultMode) => call<SmtpProxyStatus>('PUT', '/smtp', mode),

  /** Waits until the supervisor has the process running again under a new pid; resolves with it. */
  async restarted(name: string, previousPid: number, timeoutMs = 60_000): Promise<ProcessInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await control.process(name);
      if (found.alive && found.pid !== null && found.pid !== previousPid) return found;
      if (Date.now() > deadline) throw new Error(`${name} was not restarted within ${timeoutMs} ms (${JSON.stringify(found)})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  },
};
