// A stand-in for one service's Dapr sidecar in that service's HTTP tests: it
// records what the app sent and answers what the test tells it to. Everything
// that crosses a real sidecar is proven again in e2e/ on the real parts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface StubAnswer {
  status: number;
  body?: unknown;
  /** Hold the answer this long (to play a slow sidecar). */
  delayMs?: number;
}

export type StubHandler = (request: RecordedRequest) => StubAnswer | Promise<StubAnswer>;

export interface StubSidecar {
  port: number;
  requests: RecordedRequest[];
  answerWith(handler: StubHandler): void;
  close(): Promise<void>;
}

export async function startStubSidecar(handler: StubHandler = () => ({ status: 204 })): Promise<StubSidecar> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    // Dapr's SDK asks for the metadata before its first call (DaprSidecar.waitUntilReady): answered, never recorded.
    if (req.method === 'GET' && req.url === '/v1.0/metadata') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'stub-sidecar' }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* keep the text */
      }
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const answer = await current(recorded);
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      if (answer.body === undefined) {
        res.writeHead(answer.status).end();
      } else {
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    answerWith(next) {
      current = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
