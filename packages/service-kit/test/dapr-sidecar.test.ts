// The sidecar as the services reach it (Dapr's SDK plus our thin wraps),
// against a stub that records what arrives. e2e/ proves the same on real sidecars.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DaprSidecar, describeSidecarAnswer, SidecarUnreachable } from '../src/dapr-sidecar';
import { startStubSidecar, type StubSidecar } from '../../../test-support/stub-sidecar';

let stub: StubSidecar;
let sidecar: DaprSidecar;

beforeAll(async () => {
  stub = await startStubSidecar();
  sidecar = new DaprSidecar({ host: '127.0.0.1', port: stub.port, apiToken: 'sidecar-token', timeoutMs: 2_000 });
  await sidecar.waitUntilReady();
});

afterAll(async () => {
  await sidecar.close();
  await stub.close();
});

beforeEach(() => {
  stub.requests.length = 0;
});

describe('waiting for the sidecar at start-up', () => {
  it('outwaits a sidecar that comes up late and one whose first answers hang, reporting while it waits, and never gives up', async () => {
    // A port nobody listens on yet: the sidecar is not up.
    const reserve = http.createServer();
    await new Promise<void>((resolve) => reserve.listen(0, '127.0.0.1', resolve));
    const port = (reserve.address() as AddressInfo).port;
    await new Promise((resolve) => reserve.close(resolve));

    const late = new DaprSidecar({ host: '127.0.0.1', port });
    const waited: number[] = [];
    let ready = false;
    const waiting = late
      .waitUntilReady({ pollMs: 50, attemptTimeoutMs: 200, reportEveryMs: 300, onStillWaiting: (ms) => waited.push(ms) })
      .then(() => (ready = true));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(ready).toBe(false);

    // Up, but its first answers hang (a sidecar still loading its components): each try is cut short.
    let hung = 0;
    const server = http.createServer((req, res) => {
      if (hung < 3) return void (hung += 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"late"}');
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await waiting;
    expect(ready).toBe(true);
    expect(hung).toBe(3);
    expect(waited.length).toBeGreaterThan(0);
    await late.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('service invocation', () => {
  it('posts the body as JSON to the app, with the token and the trace headers, and hands back what the callee answered', async () => {
    stub.answerWith(() => ({ status: 201, body: { id: 'pay-1' } }));
    const answer = await sidecar.invoke('payment-service', 'payments', { amount: '1.00' }, { headers: { traceparent: '00-abc', tracestate: undefined } });
    expect(answer).toEqual({ ok: true, body: { id: 'pay-1' } });
    const [call] = stub.requests;
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/v1.0/invoke/payment-service/method/payments');
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.headers['dapr-api-token']).toBe('sidecar-token');
    expect(call?.headers.traceparent).toBe('00-abc');
    expect(call?.headers).not.toHaveProperty('tracestate');
    expect(call?.body).toEqual({ amount: '1.00' });
  });

  it("tells the callee's refusal (its status and problem) apart from a sidecar that does not answer", async () => {
    stub.answerWith(() => ({ status: 409, body: { type: 'conflict', title: 'amount differs' } }));
    const answer = await sidecar.invoke('payment-service', 'payments', {});
    expect(answer).toEqual({ ok: false, status: 409, body: { type: 'conflict', title: 'amount differs' } });
    stub.answerWith(() => ({ status: 500, body: { errorCode: 'ERR_DIRECT_INVOKE', message: 'circuit breaker is open' } }));
    expect(describeSidecarAnswer(await sidecar.invoke('payment-service', 'payments', {}))).toBe('500 ERR_DIRECT_INVOKE circuit breaker is open');
  });

  it('gives up after the call timeout with SidecarUnreachable', async () => {
    stub.answerWith(() => ({ status: 201, body: {}, delayMs: 1_000 }));
    const started = Date.now();
    await expect(sidecar.invoke('payment-service', 'payments', {}, { timeoutMs: 200 })).rejects.toThrow(SidecarUnreachable);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('throws SidecarUnreachable when nothing listens on the sidecar port any more', async () => {
    const other = await startStubSidecar();
    const gone = new DaprSidecar({ host: '127.0.0.1', port: other.port });
    await gone.waitUntilReady();
    await other.close();
    await expect(gone.invoke('payment-service', 'payments', {})).rejects.toThrow(SidecarUnreachable);
  });
});

describe('publishing', () => {
  it('posts the CloudEvent as it is (cloudevents+json), keyed by the partition key, in the trace of the given traceparent', async () => {
    stub.answerWith(() => ({ status: 204 }));
    const cloudEvent = { specversion: '1.0', id: 'evt-1', type: 'payment.confirmed', source: 'payment-service', data: { a: 1 } };
    const answer = await sidecar.publishCloudEvent('kafka-pubsub', 'payment-topic', cloudEvent, {
      partitionKey: 'ORD-1',
      headers: { traceparent: '00-def' },
    });
    expect(answer.ok).toBe(true);
    const [call] = stub.requests;
    expect(call?.path).toBe('/v1.0/publish/kafka-pubsub/payment-topic?metadata.partitionKey=ORD-1');
    expect(call?.headers['content-type']).toBe('application/cloudevents+json');
    expect(call?.headers['dapr-api-token']).toBe('sidecar-token');
    expect(call?.headers.traceparent).toBe('00-def');
    expect(call?.body).toEqual(cloudEvent);
  });

  it('reports a refused publish with the status the sidecar gave', async () => {
    stub.answerWith(() => ({ status: 500, body: { errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE', message: 'kafka: client has run out of available brokers' } }));
    const answer = await sidecar.publishCloudEvent('kafka-pubsub', 'payment-topic', { id: 'evt-2' });
    expect(answer.ok).toBe(false);
    expect(describeSidecarAnswer(answer)).toMatch(/^500 ERR_PUBSUB_PUBLISH_MESSAGE kafka/);
  });
});

describe('output binding', () => {
  it('posts operation, data and metadata with the token and the trace header, and hands back the error text of a failed send', async () => {
    stub.answerWith(() => ({ status: 500, body: { errorCode: 'ERR_INVOKE_OUTPUT_BINDING', message: 'smtp-step=RCPT smtp-outcome=not-sent :: no' } }));
    const answer = await sidecar.sendToBinding(
      'email',
      { operation: 'create', data: '<p>hi</p>', metadata: { emailTo: 'a@example.com' } },
      { headers: { traceparent: '00-ghi' } },
    );
    expect(answer).toEqual({ ok: false, status: 500, body: { errorCode: 'ERR_INVOKE_OUTPUT_BINDING', message: 'smtp-step=RCPT smtp-outcome=not-sent :: no' } });
    const [call] = stub.requests;
    expect(call?.path).toBe('/v1.0/bindings/email');
    expect(call?.headers['dapr-api-token']).toBe('sidecar-token');
    expect(call?.headers.traceparent).toBe('00-ghi');
    expect(call?.body).toEqual({ operation: 'create', data: '<p>hi</p>', metadata: { emailTo: 'a@example.com' } });
  });

  it('names a refused connection in the cause, so the caller knows the send never started', async () => {
    const other = await startStubSidecar();
    const gone = new DaprSidecar({ host: '127.0.0.1', port: other.port });
    await other.close();
    const failure = await gone.sendToBinding('email', { operation: 'create', data: '', metadata: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SidecarUnreachable);
    expect(((failure as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    await gone.close();
  });

  it('closes the connection when the caller abandons the send, so the sidecar cancels it', async () => {
    let connectionClosed!: () => void;
    const closed = new Promise<void>((resolve) => (connectionClosed = resolve));
    // Never answers: only the caller can end this call.
    const silent = http.createServer((req) => req.socket.on('close', connectionClosed));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const toSilent = new DaprSidecar({ host: '127.0.0.1', port: (silent.address() as AddressInfo).port });
    const abandon = new AbortController();
    const sending = toSilent.sendToBinding('email', { operation: 'create', data: '', metadata: {} }, { signal: abandon.signal, timeoutMs: 10_000 });
    setTimeout(() => abandon.abort('shutting down'), 100);
    await expect(sending).rejects.toThrow(/abandoned: shutting down/);
    await closed;
    await toSilent.close();
    silent.close();
  });
});
