// The only code that knows how to reach a service's Dapr sidecar. It is Dapr's
// official JavaScript SDK (@dapr/dapr, HTTP protocol: its keep-alive agent, the
// dapr-api-token header, waiting for the sidecar at start-up), wrapped thinly
// where the SDK falls short; each wrap says why. Each service puts a small
// adapter of its own on top (src/sidecar/) that speaks its domain's words.
import http from 'node:http';
import { CommunicationProtocolEnum, DaprClient, HttpMethod, LogLevel, type HTTPClient, type LoggerService } from '@dapr/dapr';
import type { Logger } from './logger';

export interface SidecarOptions {
  host: string;
  port: number;
  /** The sidecar's DAPR_API_TOKEN, sent as `dapr-api-token` when set. */
  apiToken?: string | undefined;
  /** Upper bound for one call; the sidecar's resiliency policy should answer sooner. */
  timeoutMs?: number;
  /** Where the SDK's own log lines go (else nowhere). */
  logger?: Logger | undefined;
}

/**
 * What the sidecar answered. The SDK reports a 2xx only as its body (no
 * status), so `ok` is all a caller learns of success; a refusal carries the status.
 */
export type SidecarAnswer = { ok: true; body: unknown } | { ok: false; status: number; body: unknown };

/** The sidecar did not answer at all (refused, reset, timed out, abandoned): distinct from an error it returned. */
export class SidecarUnreachable extends Error {
  override name = 'SidecarUnreachable';
}

export interface CallOptions {
  headers?: Record<string, string | undefined> | undefined;
  timeoutMs?: number | undefined;
}

export class DaprSidecar {
  readonly baseUrl: string;
  /** The SDK client, for anything the methods below do not cover. */
  readonly dapr: DaprClient;
  private readonly sdkHttp: HTTPClient;
  private readonly host: string;
  private readonly port: number;
  private readonly apiToken: string | undefined;
  private readonly timeoutMs: number;
  /**
   * For our own calls only (sendToBinding, the readiness poll). Idle connections are dropped
   * after 5 s: few calls go this way, and an idle socket helps no one.
   */
  private readonly bindingAgent = new http.Agent({ keepAlive: true, timeout: 5_000 });

  constructor(options: SidecarOptions) {
    this.host = options.host;
    this.port = options.port;
    this.baseUrl = `http://${options.host}:${options.port}`;
    this.apiToken = options.apiToken;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.dapr = new DaprClient({
      daprHost: options.host,
      daprPort: String(options.port),
      communicationProtocol: CommunicationProtocolEnum.HTTP,
      isKeepAlive: true,
      ...(options.apiToken ? { daprApiToken: options.apiToken } : {}),
      // Warnings and errors only: start-up is logged once, by startHttpService.
      logger: { level: LogLevel.Warn, service: sdkLogTo(options.logger) },
    });
    this.sdkHttp = this.dapr.daprClient as HTTPClient;
  }

  /**
   * Resolves once the sidecar answers; never gives up. Our own poll (each try
   * bounded by `attemptTimeoutMs`), then the SDK's start(), which then returns at
   * once: left to itself the SDK gives up after 30 s and bounds no single try, so
   * a sidecar that comes up late (a slow image pull) or a try that hangs would
   * end or stall start-up. `onStillWaiting` hears every `reportEveryMs`.
   */
  async waitUntilReady(
    options: { pollMs?: number; attemptTimeoutMs?: number; reportEveryMs?: number; onStillWaiting?: (waitedMs: number) => void } = {},
  ): Promise<void> {
    const { pollMs = 500, attemptTimeoutMs = 2_000, reportEveryMs = 30_000, onStillWaiting } = options;
    const began = Date.now();
    let reported = began;
    for (;;) {
      if (await this.answers('/v1.0/metadata', attemptTimeoutMs)) {
        try {
          await withDeadline(this.dapr.start(), attemptTimeoutMs + pollMs);
          return;
        } catch {
          // Gone again between the two: keep waiting.
        }
      }
      if (Date.now() - reported >= reportEveryMs) {
        reported = Date.now();
        onStillWaiting?.(reported - began);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Whether the sidecar answers GET `path` with a 2xx within `timeoutMs`. */
  private answers(path: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const headers: Record<string, string> = this.apiToken ? { 'dapr-api-token': this.apiToken } : {};
      const request = http.request(
        { host: this.host, port: this.port, method: 'GET', path, headers, agent: this.bindingAgent, signal: AbortSignal.timeout(timeoutMs) },
        (answer) => {
          answer.resume();
          answer.on('end', () => resolve((answer.statusCode ?? 0) >= 200 && (answer.statusCode ?? 0) < 300));
          answer.on('error', () => resolve(false));
        },
      );
      request.on('error', () => resolve(false));
      request.end();
    });
  }

  /** Closes the idle connections (on shutdown, so none holds the process open). */
  async close(): Promise<void> {
    this.bindingAgent.destroy();
    await this.dapr.stop();
  }

  /** Service invocation (POST): the sidecar resolves `appId`, and applies its resiliency policy. */
  invoke(appId: string, method: string, body: object, options: CallOptions = {}): Promise<SidecarAnswer> {
    return this.answerOf(`POST invoke ${appId}/${method}`, options.timeoutMs, () =>
      this.dapr.invoker.invoke(appId, method, HttpMethod.POST, body, {
        // Said outright: left to itself the SDK sends an object that looks like a CloudEvent as one.
        headers: { ...definedHeaders(options.headers), 'Content-Type': 'application/json' },
      }),
    );
  }

  /**
   * Publishes a complete CloudEvent (we set id, type and source ourselves so a
   * re-publish carries the same id and consumers can deduplicate by it).
   * Through the SDK's HTTP call, not pubsub.publish: that takes no headers, and
   * for a CloudEvent body daprd takes the trace only from `traceparent`.
   */
  publishCloudEvent(
    pubsub: string,
    topic: string,
    cloudEvent: object,
    options: CallOptions & { partitionKey?: string | undefined } = {},
  ): Promise<SidecarAnswer> {
    const query = options.partitionKey ? `?metadata.partitionKey=${encodeURIComponent(options.partitionKey)}` : '';
    const path = `/publish/${encodeURIComponent(pubsub)}/${encodeURIComponent(topic)}${query}`;
    return this.answerOf(`POST ${path}`, options.timeoutMs, () =>
      this.sdkHttp.execute(path, {
        method: 'POST',
        headers: { ...definedHeaders(options.headers), 'Content-Type': 'application/cloudevents+json' },
        body: cloudEvent,
      }),
    );
  }

  /**
   * Output binding: `POST /v1.0/bindings/{name}`. Our own call, not the SDK's
   * binding.send: that takes no headers and cannot be abandoned, and a send the
   * caller gave up on must close the connection so the sidecar cancels it.
   */
  async sendToBinding(
    name: string,
    request: { operation: string; data: unknown; metadata: Record<string, string> },
    options: CallOptions & { signal?: AbortSignal | undefined } = {},
  ): Promise<SidecarAnswer> {
    const path = `/v1.0/bindings/${encodeURIComponent(name)}`;
    const headers: Record<string, string> = { ...definedHeaders(options.headers), 'content-type': 'application/json' };
    if (this.apiToken) headers['dapr-api-token'] = this.apiToken;
    try {
      const { status, text } = await this.post(path, headers, JSON.stringify(request), options.timeoutMs ?? this.timeoutMs, options.signal);
      const body = parseBody(text);
      return status >= 200 && status < 300 ? { ok: true, body } : { ok: false, status, body };
    } catch (error) {
      throw this.unreachable(`POST ${path}`, error);
    }
  }

  /** One SDK call, bounded by `timeoutMs`, its outcome as an answer; no answer at all throws SidecarUnreachable. */
  private async answerOf(what: string, timeoutMs: number | undefined, call: () => Promise<unknown>): Promise<SidecarAnswer> {
    let body: unknown;
    try {
      body = await withDeadline(call(), timeoutMs ?? this.timeoutMs);
    } catch (error) {
      const refusal = refusalIn(error);
      if (refusal) return refusal;
      throw this.unreachable(what, error);
    }
    return { ok: true, body: body === '' ? undefined : body };
  }

  private unreachable(what: string, error: unknown): SidecarUnreachable {
    const reason = error instanceof Error ? error.message : String(error);
    return new SidecarUnreachable(`the Dapr sidecar at ${this.baseUrl} did not answer ${what}: ${reason}`, { cause: error });
  }

  private post(
    path: string,
    headers: Record<string, string>,
    payload: string,
    timeoutMs: number,
    abandon: AbortSignal | undefined,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      headers['content-length'] = String(Buffer.byteLength(payload));
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = abandon ? AbortSignal.any([timeout, abandon]) : timeout;
      const request = http.request(
        { host: this.host, port: this.port, method: 'POST', path, headers, agent: this.bindingAgent, signal },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('error', reject);
          answer.on('end', () => resolve({ status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      request.on('error', (error: Error) => {
        if (error.name !== 'AbortError') reject(error);
        else if (abandon?.aborted) reject(new Error(`abandoned: ${String(abandon.reason)}`, { cause: error }));
        else reject(new Error(`no answer within ${timeoutMs} ms`, { cause: error }));
      });
      request.end(payload);
    });
  }
}

/**
 * The SDK takes no per-call timeout or signal: the call is raced against a
 * timer, and what it leaves running runs on in the sidecar. So a caller's
 * deadline must outlast the sidecar's own policy for the call (see the
 * publisher's PUBLISH_DEADLINE_MS and its test).
 */
function withDeadline<T>(call: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The SDK throws a non-2xx answer as an Error whose message is JSON
 * `{ error, error_msg, status }`: the only place the callee's status survives.
 */
function refusalIn(error: unknown): SidecarAnswer | undefined {
  if (!(error instanceof Error) || !error.message.startsWith('{')) return undefined;
  let reported: { status?: unknown; error_msg?: unknown };
  try {
    reported = JSON.parse(error.message) as typeof reported;
  } catch {
    return undefined;
  }
  if (typeof reported.status !== 'number') return undefined;
  return { ok: false, status: reported.status, body: parseBody(typeof reported.error_msg === 'string' ? reported.error_msg : '') };
}

/** Parsed JSON when the text is JSON, else the text itself; undefined when empty. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A fresh object each call (the SDK adds its own headers to the one it is given), without unset values. */
function definedHeaders(headers: Record<string, string | undefined> | undefined): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) defined[name] = value;
  return defined;
}

function sdkLogTo(logger: Logger | undefined): LoggerService {
  const log = (level: 'error' | 'warn' | 'info' | 'debug') => (message: unknown, ...rest: unknown[]) =>
    logger?.[level]({ component: 'dapr-sdk', details: rest.length ? rest : undefined }, String(message));
  return { error: log('error'), warn: log('warn'), info: log('info'), verbose: log('debug'), debug: log('debug') };
}

/** A short description of a sidecar's refusal, for logs and problem details. */
export function describeSidecarAnswer(answer: SidecarAnswer): string {
  const status = answer.ok ? '2xx' : String(answer.status);
  const body = answer.body as { errorCode?: string; message?: string } | string | undefined;
  if (body && typeof body === 'object') return `${status} ${body.errorCode ?? ''} ${body.message ?? ''}`.trim();
  return `${status} ${typeof body === 'string' ? body.slice(0, 200) : ''}`.trim();
}
