// Every size limit is a 413 application/problem+json, whoever hits it: a body
// over the app's BODY_LIMIT (64kb) but under the sidecar's (daprd
// --max-body-size, 4Mi) is refused by the app and passed on by the sidecar; one
// over the sidecar's is refused by the sidecar itself (components/body-limit.yaml),
// where daprd alone would answer 500 "stream too large". With a Content-Length
// or chunked, nothing is recorded. Headers over a limit are 431.
import http from 'node:http';
import net from 'node:net';
import { apiTokens, invoke, publicUrl, sidecarUrl, uniqueCustomer } from './support/stack';
import { asCustomer } from './support/tokens';

interface Answer {
  status: number;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

type Route = 'sidecar' | 'public listener';

/** Where a customer places an order: through order-service's own sidecar, or its public listener (no Dapr). */
function ordersEndpoint(route: Route): { url: URL; headers: Record<string, string> } {
  return route === 'sidecar'
    ? {
        url: new URL(`${sidecarUrl('order-service')}/v1.0/invoke/order-service/method/orders`),
        headers: { 'dapr-api-token': apiTokens('order-service').dapr },
      }
    : { url: new URL(`${publicUrl()}/orders`), headers: {} };
}

/**
 * POSTs `body` as a new order, with its Content-Length or, when `chunked`, in
 * 64 KiB chunks without one. Resolves with the answer as soon as it comes, even
 * if the server answers before the body is all sent (a refusal does) and drops
 * the connection.
 */
function place(route: Route, body: Buffer, customerId: string, { chunked }: { chunked: boolean }): Promise<Answer> {
  const { url, headers: routeHeaders } = ordersEndpoint(route);
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', ...routeHeaders, ...asCustomer(customerId) };
    if (!chunked) headers['content-length'] = body.length;
    let answered = false;
    const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (text += part));
      res.on('end', () => {
        answered = true;
        resolve({ status: res.statusCode!, contentType: res.headers['content-type'], body: text ? JSON.parse(text) : {} });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    // Once the answer is in, a write cut short by the server closing is expected.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    if (!chunked) {
      req.end(body);
      return;
    }
    const CHUNK = 64 * 1024;
    let offset = 0;
    const writeMore = () => {
      while (offset < body.length && !req.destroyed) {
        const part = body.subarray(offset, offset + CHUNK);
        offset += CHUNK;
        if (offset >= body.length) return void req.end(part);
        if (!req.write(part)) return void req.once('drain', writeMore);
      }
    };
    writeMore();
  });
}

const order = (customer: ReturnType<typeof uniqueCustomer>, name: string) => ({
  customer,
  items: [{ productId: 'p-1', name, quantity: 1, unitPrice: '2.50' }],
  currency: 'EUR',
  paymentMethod: 'VISA',
});

/** An order of exactly `bytes` bytes: its one item's name fills it. */
function orderOfSize(customer: ReturnType<typeof uniqueCustomer>, bytes: number): Buffer {
  const overhead = Buffer.byteLength(JSON.stringify(order(customer, '')));
  return Buffer.from(JSON.stringify(order(customer, 'x'.repeat(bytes - overhead))));
}

const SIZES = [
  ['70 kB', 70_000, 'this service accepts: at most 65536 bytes'],
  ['8 MB', 8 * 1024 * 1024, 'this Dapr sidecar accepts: at most 4194304 bytes'],
] as const;

const expectNoOrders = async (customerId: string) => {
  const listed = await invoke('order-service', 'order-service', 'GET', 'orders', undefined, asCustomer(customerId));
  expect(listed.status).toBe(200);
  expect(listed.body.items).toEqual([]);
};

describe('a body over a size limit, through order-service’s sidecar', () => {
  it.each(SIZES.flatMap(([label, bytes, refusedBy]) => [false, true].map((chunked) => [label, chunked, bytes, refusedBy] as const)))(
    'of %s (chunked: %s) is answered 413 problem+json naming the limit, and no order is recorded',
    async (_label, chunked, bytes, refusedBy) => {
      const customer = uniqueCustomer();
      const answer = await place('sidecar', orderOfSize(customer, bytes), customer.id, { chunked });

      expect(answer.status).toBe(413);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ type: 'https://orderflow.dev/problems/payload-too-large', status: 413 });
      expect(answer.body.detail).toContain(refusedBy);
      await expectNoOrders(customer.id);
    },
  );

  it('while an order of ordinary size is placed the same way, with or without a Content-Length', async () => {
    for (const chunked of [false, true]) {
      const customer = uniqueCustomer();
      const answer = await place('sidecar', Buffer.from(JSON.stringify(order(customer, 'Pen'))), customer.id, { chunked });
      expect(answer.status).toBe(201);
    }
  });
});

describe('on order-service’s public listener (no sidecar in front)', () => {
  it.each(SIZES.flatMap(([label, bytes]) => [false, true].map((chunked) => [label, chunked, bytes] as const)))(
    'a body of %s (chunked: %s) is answered 413 problem+json naming the app’s limit, and no order is recorded',
    async (_label, chunked, bytes) => {
      const customer = uniqueCustomer();
      const answer = await place('public listener', orderOfSize(customer, bytes), customer.id, { chunked });

      expect(answer.status).toBe(413);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body.detail).toContain('this service accepts: at most 65536 bytes');
      await expectNoOrders(customer.id);
    },
  );
});

describe('headers over a size limit', () => {
  /** The raw answer to a GET with `padding` bytes of one more header, on a fresh connection. */
  const rawGet = (url: URL, path: string, headers: Record<string, string>, padding: number) =>
    new Promise<{ head: string; body: string }>((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (part: string) => (text += part));
      socket.on('close', () => {
        const [head = '', body = ''] = text.split('\r\n\r\n');
        resolve({ head, body });
      });
      socket.on('error', reject);
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${lines}X-Padding: ${'p'.repeat(padding)}\r\n\r\n`);
    });

  it('on order-service’s public listener, over Node’s 16 KiB, are answered 431 problem+json', async () => {
    const { head, body } = await rawGet(new URL(publicUrl()), '/orders', {}, 20 * 1024);
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    expect(JSON.parse(body)).toMatchObject({ type: 'https://orderflow.dev/problems/headers-too-large', status: 431 });
  });

  // daprd's limit (--read-buffer-size, 4Ki, plus the 4 KiB Go's HTTP server allows
  // beyond it) is below Node's, so through the sidecar it is daprd that refuses,
  // with Go's own plain-text 431: Go answers before any middleware runs, and no
  // setting changes its words. Still 431, never a 5xx.
  it('through order-service’s sidecar, over daprd’s read buffer, are answered 431 by daprd', async () => {
    const token = { 'dapr-api-token': apiTokens('order-service').dapr };
    const { head } = await rawGet(new URL(sidecarUrl('order-service')), '/v1.0/invoke/order-service/method/orders', token, 10 * 1024);
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
  });
});
