// Service-to-service access control for real: the sidecars speak mutual TLS
// with certificates from a local Sentry, and dapr/config.yaml lets exactly one
// call cross from one service to another: order-service's POST /payments.
// Everything else between services is refused by the sidecar being called.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { eventually, invoke, sentry, sidecarInternalPort, uniqueCustomer, type JsonResponse, type ServiceName } from './support/stack';
import { asCustomer } from './support/tokens';

const LOG_DIR = path.resolve(__dirname, '../.local/logs');
const SERVICES: ServiceName[] = ['order-service', 'payment-service', 'notification-service'];

const spiffeId = (service: string) => `spiffe://public/ns/default/${service}`;

const paymentRequest = (orderReference: string) => ({
  orderReference,
  amount: '4.20',
  currency: 'EUR',
  paymentMethod: 'VISA',
  customer: uniqueCustomer(),
});

/** A W3C traceparent with a new trace id: the apps log the trace id of every request they serve. */
function newTrace() {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/** What this run wrote to a log in .local/logs (the files keep earlier runs above a "--- <date> <command>" line). */
function currentLog(name: string): string {
  const text = fs.readFileSync(path.join(LOG_DIR, `${name}.log`), 'utf8');
  return text.slice(text.lastIndexOf('\n--- ') + 1);
}

/** Dapr's answer when the called sidecar's access policy refuses the caller: not the app's (problem+json). */
function expectRefusedByPolicy(response: JsonResponse, caller: ServiceName, operation: string, verb: string) {
  expect(response.status).toBe(403);
  expect(response.headers.get('content-type') ?? '').not.toMatch(/problem\+json/);
  expect(response.body).toEqual({
    errorCode: 'ERR_DIRECT_INVOKE',
    message: expect.stringContaining(
      `code = PermissionDenied desc = access control policy has denied access to id: ${spiffeId(caller)} operation: ${operation} verb: ${verb}`,
    ),
  });
}

describe('service-to-service access control', () => {
  it('serves order-service on payment-service\'s POST /payments: an order is answered 201 PAID', async () => {
    const customer = uniqueCustomer();
    const placed = await invoke(
      'order-service',
      'order-service',
      'POST',
      'orders',
      { customer, items: [{ productId: 'acl-1', name: 'Padlock', quantity: 1, unitPrice: '9.99' }], currency: 'EUR', paymentMethod: 'VISA' },
      asCustomer(customer.id),
    );
    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe('PAID');
    const payments = await invoke('payment-service', 'payment-service', 'GET', `payments?orderReference=${placed.body.reference}`);
    expect(payments.body.items).toEqual([expect.objectContaining({ id: placed.body.paymentId, status: 'CONFIRMED' })]);

    // And directly, order-service's sidecar calling payment-service's POST /payments.
    const reference = `ORD-ACLOK${Date.now()}`;
    const charged = await invoke('order-service', 'payment-service', 'POST', 'payments', paymentRequest(reference));
    expect(charged.status).toBe(201);
    expect(charged.body).toMatchObject({ orderReference: reference, status: 'CONFIRMED' });
  });

  it('refuses notification-service on payment-service\'s POST /payments with Dapr\'s 403, before the request reaches the app', async () => {
    const reference = `ORD-ACLNO${Date.now()}`;
    const refusedTrace = newTrace();
    const refused = await invoke('notification-service', 'payment-service', 'POST', 'payments', paymentRequest(reference), {
      traceparent: refusedTrace.traceparent,
    });
    expectRefusedByPolicy(refused, 'notification-service', 'payments', 'POST');

    const recorded = await invoke('payment-service', 'payment-service', 'GET', `payments?orderReference=${reference}`);
    expect(recorded.body.items).toEqual([]);

    // payment-service logs every request it serves with its trace id: once a later,
    // allowed request is in its log, the refused one would be there too had it arrived.
    const allowedTrace = newTrace();
    const allowed = await invoke('order-service', 'payment-service', 'POST', 'payments', paymentRequest(`${reference}OK`), {
      traceparent: allowedTrace.traceparent,
    });
    expect(allowed.status).toBe(201);
    await eventually('the allowed request in payment-service\'s log', async () =>
      currentLog('payment-service').includes(allowedTrace.traceId) ? true : undefined,
    );
    expect(currentLog('payment-service')).not.toContain(refusedTrace.traceId);
  });

  it.each([
    ['order-service', 'payment-service', 'GET', 'payments?orderReference=ORD-ACLREAD', 'payments'],
    ['order-service', 'notification-service', 'GET', 'notifications?orderReference=ORD-ACLREAD', 'notifications'],
    ['payment-service', 'order-service', 'GET', 'orders?limit=1', 'orders'],
    ['notification-service', 'order-service', 'GET', 'orders?limit=1', 'orders'],
    ['payment-service', 'notification-service', 'GET', 'notifications?orderReference=ORD-ACLREAD', 'notifications'],
  ] as const)('refuses %s calling %s %s /%s with Dapr\'s 403', async (caller, target, verb, method, operation) => {
    expectRefusedByPolicy(await invoke(caller, target, verb, method), caller, operation, verb);
  });

  it.each(SERVICES)(
    'carries calls to %s over mutual TLS: its sidecar shows its SPIFFE identity from the local Sentry and refuses a caller without a certificate',
    async (service) => {
      const ca = fs.readFileSync(sentry.trustAnchorsFile);
      const socket = tls.connect({
        host: '127.0.0.1',
        port: sidecarInternalPort(service),
        ca,
        ALPNProtocols: ['h2'],
        checkServerIdentity: () => undefined, // a SPIFFE certificate names a URI, not a host
      });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('secureConnect', resolve);
          socket.once('error', reject);
        });
        expect(socket.authorized).toBe(true); // chained to the local Sentry's root
        expect(socket.getProtocol()).toBe('TLSv1.3');
        expect(socket.getPeerCertificate().subjectaltname).toBe(`URI:${spiffeId(service)}`);

        // We showed no client certificate: the sidecar ends the connection at our first bytes.
        const refusal = new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
        socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
        expect((await refusal).code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
      } finally {
        socket.destroy();
      }

      const log = currentLog(`${service}-daprd`);
      expect(log).toContain(`--enable-mtls --sentry-address ${sentry.address}`);
      expect(log).toContain('Security is initialized successfully');
      expect(log).not.toContain('mTLS is disabled');
    },
  );

  it.each([
    ['notification-service\'s join token', sentry.tokenFile('notification-service'), /PermissionDenied desc = token validation failed/],
    ['no join token', undefined, /InvalidArgument desc = a validator name must be specified/],
  ])('gives no certificate to a sidecar claiming to be order-service with %s', async (_what, tokenFile, reason) => {
    const [httpPort, grpcPort, internalPort, metricsPort] = await freePorts(4);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-impostor-'));
    const impostor = spawn(
      sentry.daprd,
      [
        '--app-id', 'order-service',
        '--enable-mtls', '--sentry-address', sentry.address,
        '--dapr-http-port', String(httpPort),
        '--dapr-grpc-port', String(grpcPort),
        '--dapr-internal-grpc-port', String(internalPort),
        '--metrics-port', String(metricsPort),
        '--dapr-listen-addresses', '127.0.0.1',
        '--dapr-internal-grpc-listen-address', '127.0.0.1',
        '--metrics-listen-address', '127.0.0.1',
        '--placement-host-address', '',
        '--scheduler-host-address', '',
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          DAPR_HOST_IP: '127.0.0.1',
          NAMESPACE: 'default',
          DAPR_TRUST_ANCHORS: fs.readFileSync(sentry.trustAnchorsFile, 'utf8'),
          ...(tokenFile ? { DAPR_SENTRY_TOKEN_FILE: tokenFile } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    impostor.stdout.on('data', (chunk) => (output += chunk));
    impostor.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => impostor.kill('SIGKILL'), 20_000);
    try {
      const code = await new Promise<number | null>((resolve) => impostor.once('exit', resolve));
      expect(code).not.toBe(0);
      expect(output).toMatch(/failed to retrieve the initial identity: error from sentry SignCertificate/);
      expect(output).toMatch(reason);
    } finally {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<net.Server>((resolve) => {
        const server = net.createServer();
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
