import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpApp } from '../src/http';
import { closeServer, listen } from '../src/lifecycle';
import { createLogger } from '../src/logger';

const app = createHttpApp({
  logger: createLogger('test', 'silent'),
  bodyLimit: '64kb',
  readiness: async () => undefined,
  routes: (router) => {
    router.get('/things/:id', (req, res) => void res.json({ id: req.params.id }));
    router.delete('/things/:id', (_req, res) => void res.status(204).end());
    router.post('/things', (req, res) => void res.status(201).json({ received: req.body ?? null }));
  },
});

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = await listen(app, '127.0.0.1', 0);
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await closeServer(server);
});

/** One request with exactly these headers (fetch and supertest add or drop some of their own). */
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('the content type of a request', () => {
  it.each([
    ['a GET naming application/json (as Dapr\'s Python SDK sends it)', 'GET', '/things/1', { 'content-type': 'application/json' }, 200],
    ['a GET naming text/plain', 'GET', '/things/1', { 'content-type': 'text/plain' }, 200],
    ['a GET naming text/plain with Content-Length 0', 'GET', '/things/1', { 'content-type': 'text/plain', 'content-length': '0' }, 200],
    ['a DELETE naming application/xml', 'DELETE', '/things/1', { 'content-type': 'application/xml' }, 204],
    ['a POST naming text/plain with Content-Length 0', 'POST', '/things', { 'content-type': 'text/plain', 'content-length': '0' }, 201],
    // How daprd forwards a bodyless GET when its body probe misses the end: chunked, then at once the last chunk.
    ['a chunked GET naming text/plain whose body is empty', 'GET', '/things/1', { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, 200],
  ])('when %s comes without a body, then it passes whatever its content type', async (_name, method, path, headers, status) => {
    expect(await send(method, path, headers)).toBe(status);
  });

  it.each([
    ['a POST', 'POST', '/things', { 'content-type': 'text/plain' }],
    ['a chunked POST', 'POST', '/things', { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }],
    ['a GET', 'GET', '/things/1', { 'content-type': 'text/plain' }],
    ['a POST without a content type', 'POST', '/things', {}],
  ])('when %s carries a body that is not declared JSON, then it answers 415', async (_name, method, path, headers) => {
    const body = '{"a":1}';
    const withLength = 'transfer-encoding' in headers ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    expect(await send(method, path, withLength, body)).toBe(415);
  });

  it('when a POST carries a JSON body, then the route receives it', async () => {
    const body = '{"a":1}';
    expect(await send('POST', '/things', { 'content-type': 'application/json', 'content-length': String(body.length) }, body)).toBe(201);
  });
});
