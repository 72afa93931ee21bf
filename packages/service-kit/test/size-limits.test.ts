// Every size limit of an app is answered as application/problem+json: the body
// (BODY_LIMIT, with a Content-Length or chunked) and the request headers (Node's
// --max-http-header-size, before Express sees the request).
import http, { type Server } from 'node:http';
import net from 'node:net';
import { createHttpApp } from '../src/http';
import { closeServer, listen } from '../src/lifecycle';
import { createLogger } from '../src/logger';

let server: Server;
let port: number;

beforeAll(async () => {
  const app = createHttpApp({
    logger: createLogger('test', 'silent'),
    bodyLimit: '1kb',
    readiness: async () => {},
    routes: (router) => router.post('/things', (req, res) => void res.status(201).json({ got: JSON.stringify(req.body).length })),
  });
  server = await listen(app, '127.0.0.1', 0);
  port = (server.address() as { port: number }).port;
});

afterAll(() => closeServer(server));

interface Answer {
  status: number;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/** POSTs `body` to /things, with its Content-Length or, when `chunked`, in two chunks without one. */
function post(body: string, { chunked }: { chunked: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/things', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (text += part));
      res.on('end', () => resolve({ status: res.statusCode!, contentType: res.headers['content-type'], body: JSON.parse(text) }));
    });
    req.on('error', reject);
    if (chunked) {
      req.write(body.slice(0, 100));
      req.end(body.slice(100));
    } else req.end(body);
  });
}

const bodyOf = (bytes: number) => JSON.stringify({ name: 'x'.repeat(bytes - 11) });

describe('the body limit', () => {
  it.each([false, true])('when the body is over BODY_LIMIT (chunked: %s), then it answers 413 problem+json naming the limit', async (chunked) => {
    const answer = await post(bodyOf(1025), { chunked });
    expect(answer.status).toBe(413);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({
      type: 'https://orderflow.dev/problems/payload-too-large',
      status: 413,
      detail: expect.stringContaining('at most 1024 bytes'),
    });
  });

  it.each([false, true])('when the body is exactly BODY_LIMIT (chunked: %s), then it is taken', async (chunked) => {
    const answer = await post(bodyOf(1024), { chunked });
    expect(answer.status).toBe(201);
  });
});

describe('the header limit', () => {
  it('when a kept-alive connection already carried an answer, then headers over the limit on it are still answered 431 problem+json', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      let text = '';
      let sentSecond = false;
      socket.setEncoding('utf8');
      socket.on('data', (part: string) => {
        text += part;
        // The first answer is complete: send the oversized request on the same connection.
        if (!sentSecond && text.includes('{"got":')) {
          sentSecond = true;
          socket.write(`POST /things HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(http.maxHeaderSize)}\r\n\r\n`);
        }
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write('POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
    });
    const answers = raw.split(/(?=HTTP\/1\.1 )/);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 201 /);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 431 /);
    expect(answers[1]).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
  });

  it("when the headers are over Node's limit, then it answers 431 problem+json naming the limit, before any route", async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (part: string) => (text += part));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(`POST /things HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(http.maxHeaderSize)}\r\n\r\n`);
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    expect(JSON.parse(body!)).toMatchObject({
      type: 'https://orderflow.dev/problems/headers-too-large',
      status: 431,
      detail: expect.stringContaining(`at most ${http.maxHeaderSize} bytes`),
    });
  });
});
