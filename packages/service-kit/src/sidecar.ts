// The only code that knows the Dapr sidecar's HTTP API. Each service wraps it
// in a small adapter of its own (src/sidecar/) that speaks its domain's words.
// node:http with a keep-alive pool rather than fetch: every order makes three
// calls to a sidecar, and `npm run bench` measured fetch's stream machinery
// (undici, web streams) as one of the largest costs in the apps.
import http from 'node:http';
export interface SidecarOptions {
  host: string;
  port: number;
  /** The sidecar's DAPR_API_TOKEN, sent as `dapr-api-token` when set. */
  apiToken?: string | undefined;
  /** Upper bound for one call; the sidecar's resiliency policy should answer sooner. */
  timeoutMs?: number;
}

export interface SidecarResponse {
  status: number;
  contentType: string;
  /** Parsed JSON when the answer is JSON, else the raw text (or undefined when empty). */
  body: unknown;
}

/** The sidecar did not answer at all (refused, reset, timed out): distinct from an error it returned. */
export class SidecarUnreachable extends Error {
  override name = 'SidecarUnreachable';
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Abandons the call (the sidecar sees the connection close, and cancels what it was doing for it). */
  signal?: AbortSignal | undefined;
}

export class SidecarClient {
  readonly baseUrl: string;
  private readonly host: string;
  private readonly port: number;
  private readonly apiToken: string | undefined;
  private readonly timeoutMs: number;
  /**
   * Connections to the sidecar stay open between calls (no TCP handshake per
   * call). daprd closes a connection left idle for 10 s (its HTTP server's
   * ReadHeaderTimeout); ours are dropped after 5 s idle, so a call never goes
   * out on a connection daprd is closing.
   */
  private readonly agent = new http.Agent({ keepAlive: true, timeout: 5_000 });

  constructor(options: SidecarOptions) {
    this.host = options.host;
    this.port = options.port;
    this.baseUrl = `http://${options.host}:${options.port}`;
    this.apiToken = options.apiToken;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Closes the idle connections (on shutdown, so none holds the process open). */
  close(): void {
    this.agent.destroy();
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<SidecarResponse> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name] = value;
    if (this.apiToken) headers['dapr-api-token'] = this.apiToken;
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    let response: { status: number; contentType: string; text: string };
    try {
      response = await this.send(method, path, headers, payload, options.timeoutMs ?? this.timeoutMs, options.signal);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SidecarUnreachable(`the Dapr sidecar at ${this.baseUrl} did not answer ${method} ${path}: ${reason}`, {
        cause: error,
      });
    }
    const { contentType, text } = response;
    let body: unknown = text === '' ? undefined : text;
    if (text !== '' && /[/+]json\b/.test(contentType)) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, contentType, body };
  }

  private send(
    method: string,
    path: string,
    headers: Record<string, string>,
    payload: string | undefined,
    timeoutMs: number,
    abandon?: AbortSignal,
  ): Promise<{ status: number; contentType: string; text: string }> {
    return new Promise((resolve, reject) => {
      if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = abandon ? AbortSignal.any([timeout, abandon]) : timeout;
      const request = http.request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent, signal },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('error', reject);
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 0,
              contentType: answer.headers['content-type'] ?? '',
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
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

  /** Service invocation: `POST /v1.0/invoke/{appId}/method/{method}`, resolved and protected by the sidecar. */
  invoke(appId: string, method: string, options: RequestOptions & { httpMethod?: string } = {}): Promise<SidecarResponse> {
    return this.request(options.httpMethod ?? 'POST', `/v1.0/invoke/${encodeURIComponent(appId)}/method/${method}`, options);
  }

  /**
   * Publishes a complete CloudEvent (we set id, type and source ourselves so a
   * re-publish carries the same id and consumers can deduplicate by it).
   */
  publishCloudEvent(
    pubsub: string,
    topic: string,
    cloudEvent: object,
    options: { partitionKey?: string; headers?: Record<string, string | undefined> } = {},
  ): Promise<SidecarResponse> {
    const query = options.partitionKey ? `?metadata.partitionKey=${encodeURIComponent(options.partitionKey)}` : '';
    return this.request('POST', `/v1.0/publish/${encodeURIComponent(pubsub)}/${encodeURIComponent(topic)}${query}`, {
      body: cloudEvent,
      contentType: 'application/cloudevents+json',
      headers: options.headers,
    });
  }

  /** Output binding: `POST /v1.0/bindings/{name}`. */
  invokeBinding(
    name: string,
    operation: string,
    data: unknown,
    metadata: Record<string, string>,
    options: Pick<RequestOptions, 'headers' | 'timeoutMs' | 'signal'> = {},
  ): Promise<SidecarResponse> {
    return this.request('POST', `/v1.0/bindings/${encodeURIComponent(name)}`, { ...options, body: { operation, data, metadata } });
  }

}

/** A short description of a sidecar error answer, for logs and problem details. */
export function describeSidecarAnswer(response: SidecarResponse): string {
  const body = response.body as { errorCode?: string; message?: string } | string | undefined;
  if (body && typeof body === 'object') return `${response.status} ${body.errorCode ?? ''} ${body.message ?? ''}`.trim();
  return `${response.status} ${typeof body === 'string' ? body.slice(0, 200) : ''}`.trim();
}
