// Where the running system is, as `npm test` started it (scripts/orderflow.mjs
// passes the ports; the defaults are the documented ones).
import { randomUUID } from 'node:crypto';
import path from 'node:path';

export type ServiceName = 'order-service' | 'payment-service' | 'notification-service';

interface Ports {
  appPort: number;
  httpPort: number;
  /** Sidecar-to-sidecar gRPC (mTLS). */
  internalGrpcPort: number;
  /** order-service's public listener (customers without Dapr). */
  publicPort?: number;
}

const DEFAULT_PORTS: Record<ServiceName, Ports> = {
  'order-service': { appPort: 3001, httpPort: 3501, internalGrpcPort: 3601, publicPort: 3000 },
  'payment-service': { appPort: 3002, httpPort: 3502, internalGrpcPort: 3602 },
  'notification-service': { appPort: 3003, httpPort: 3503, internalGrpcPort: 3603 },
};

const ports: Record<ServiceName, Ports> = process.env.ORDERFLOW_SERVICE_PORTS
  ? (JSON.parse(process.env.ORDERFLOW_SERVICE_PORTS) as Record<ServiceName, Ports>)
  : DEFAULT_PORTS;

/** This run's API tokens per service (tools/devstack/lib/apps.mjs): `dapr` for the sidecar's API, `app` for the app. */
const tokens: Record<ServiceName, { dapr: string; app: string }> = JSON.parse(process.env.ORDERFLOW_API_TOKENS ?? '{}');

export function apiTokens(service: ServiceName): { dapr: string; app: string } {
  const found = tokens[service];
  if (!found) throw new Error(`no API tokens for ${service}: run the e2e tests through npm test`);
  return found;
}

export const kafkaBrokers = (process.env.ORDERFLOW_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const mailDevUrl = process.env.ORDERFLOW_MAILDEV_URL ?? 'http://127.0.0.1:1080';

/** The HTTP API of a service's own sidecar. */
export function sidecarUrl(service: ServiceName): string {
  return `http://127.0.0.1:${ports[service].httpPort}`;
}

/** The app itself (only its sidecar is meant to call it). */
export function appUrl(service: ServiceName): string {
  return `http://127.0.0.1:${ports[service].appPort}`;
}

/** order-service's public order API: customers with a bearer token, no Dapr (what an Ingress reaches). */
export function publicUrl(): string {
  return `http://127.0.0.1:${ports['order-service'].publicPort ?? 3000}`;
}

/** The port on which a service's sidecar takes calls from other sidecars. */
export function sidecarInternalPort(service: ServiceName): number {
  return ports[service].internalGrpcPort;
}

/** The local Sentry as `npm test` started it (tools/devstack/pieces/sentry.mjs), and the daprd it serves. */
export const sentry = {
  address: process.env.ORDERFLOW_SENTRY_ADDRESS ?? '127.0.0.1:3609',
  /** The root certificate every sidecar trusts. */
  trustAnchorsFile: process.env.ORDERFLOW_TRUST_ANCHORS_FILE ?? path.resolve(__dirname, '../../.local/sentry/credentials/ca.crt'),
  /** The join token a service's sidecar gets its certificate with. */
  tokenFile: (service: ServiceName) => path.resolve(__dirname, `../../.local/run/sentry-tokens/${service}.jwt`),
  daprd: process.env.ORDERFLOW_DAPRD ?? path.resolve(__dirname, '../../.local/dapr/.dapr/bin/daprd'),
};

/** The sidecar's token when `url` is one of the sidecars' APIs, as every client must send it. */
function sidecarTokenFor(url: string): Record<string, string> {
  const service = (Object.keys(ports) as ServiceName[]).find((name) => url.startsWith(`${sidecarUrl(name)}/`));
  return service ? { 'dapr-api-token': apiTokens(service).dapr } : {};
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const response = await fetch(url, {
    method,
    headers: {
      ...sidecarTokenFor(url),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep the text */
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * Calls `method` of `target` the way any client does: through a sidecar, by
 * app-id. Through another app's sidecar the call is made as that app, and the
 * access policy in dapr/config.yaml decides; through the target's own sidecar
 * it never leaves that sidecar, as an operator's or a test's reads do.
 */
export function invoke(
  through: ServiceName,
  target: ServiceName,
  httpMethod: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  return http(httpMethod, `${sidecarUrl(through)}/v1.0/invoke/${target}/method/${method}`, body, headers);
}

/** Polls until `check` returns a value, or fails with what it last saw. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let sequence = 0;
/** A customer of our own per test, so tests never count each other's e-mails. */
export function uniqueCustomer(overrides: Partial<{ firstName: string; lastName: string }> = {}) {
  sequence += 1;
  const tag = `${Date.now().toString(36)}${sequence}${Math.random().toString(36).slice(2, 6)}`;
  return { id: `e2e-${tag}`, firstName: 'Ada', lastName: 'Lovelace', email: `ada.${tag}@example.com`, ...overrides };
}

/**
 * Publishes, through payment-service's sidecar, a payment.confirmed that
 * notification-service can never process (its amount is a number): it answers
 * DROP, and its sidecar moves the event to payment-topic-dlq.
 */
export async function publishUnprocessableEvent(source: string, orderReference: string): Promise<{ id: string }> {
  const id = randomUUID();
  const published = await http(
    'POST',
    `${sidecarUrl('payment-service')}/v1.0/publish/kafka-pubsub/payment-topic?metadata.partitionKey=${orderReference}`,
    JSON.stringify({
      specversion: '1.0',
      id,
      type: 'payment.confirmed',
      source,
      datacontenttype: 'application/json',
      data: { orderReference, amount: 12.5, customer: { id: 'x' } },
    }),
    { 'content-type': 'application/cloudevents+json' },
  );
  if (published.status !== 204) throw new Error(`publishing the unprocessable event answered ${published.status}`);
  return { id };
}
