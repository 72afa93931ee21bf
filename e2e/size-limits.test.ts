// Every size limit is a 413 application/problem+json, whoever hits it: a body
// over the app's BODY_LIMIT (64kb) but under the sidecar's (daprd
// --max-body-size, 4Mi) is refused by the app and passed on by the sidecar; one
// over the sidecar's is refused by the sidecar itself (components/body-limit.yaml),
// where daprd alone would answer 500 "stream too large". With a Content-Length
// or chunked, nothing is recorded.
import http from 'node:http';
import { apiTokens, invoke, sidecarUrl, uniqueCustomer } from './support/stack';
import { asCustomer } from './support/tokens';

interface Answer {
  status: number;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/**
 * POSTs `body` to order-service through its own sidecar, with its Content-Length
 * or, when `chunked`, in 64 KiB chunks without one. Resolves with the answer as
 * soon as it comes, even if the server answers before the body is all sent (a
 * refusal does) and drops the connection.
 */
function placeThroughSidecar(body: Buffer, customerId: string, { chunked }: { chunked: boolean }): Promise<Answer> {
  const url = new URL(`${sidecarUrl('order-service')}/v1.0/invoke/order-service/method/orders`);
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'dapr-api-token': apiTokens('order-service').dapr,
      ...asCustomer(customerId),
    };
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

describe('a body over a size limit, through order-service’s sidecar', () => {
  it.each(SIZES.flatMap(([label, bytes, refusedBy]) => [false, true].map((chunked) => [label, chunked, bytes, refusedBy] as const)))(
    'of %s (chunked: %s) is answered 413 problem+json naming the limit, and no order is recorded',
    async (_label, chunked, bytes, refusedBy) => {
      const customer = uniqueCustomer();
      const answer = await placeThroughSidecar(orderOfSize(customer, bytes), customer.id, { chunked });

      expect(answer.status).toBe(413);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ type: 'https://orderflow.dev/problems/payload-too-large', status: 413 });
      expect(answer.body.detail).toContain(refusedBy);
      const listed = await invoke('order-service', 'order-service', 'GET', 'orders', undefined, asCustomer(customer.id));
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([]);
    },
  );

  it('while an order of ordinary size is placed the same way, with or without a Content-Length', async () => {
    for (const chunked of [false, true]) {
      const customer = uniqueCustomer();
      const answer = await placeThroughSidecar(Buffer.from(JSON.stringify(order(customer, 'Pen'))), customer.id, { chunked });
      expect(answer.status).toBe(201);
    }
  });
});
