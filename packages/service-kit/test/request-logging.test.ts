// One log line per request, at info; the ticks of a Dapr cron binding (every
// second or two, for every service) at debug, or they would be most of the log.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { createHttpApp } from '../src/http';

/** A debug-level logger whose lines the test reads back. */
function capturingLogger() {
  const lines: { level: number; msg: string; path?: string; status?: number }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

const INFO = 30;
const DEBUG = 20;

function appWithTick() {
  const { lines, logger } = capturingLogger();
  const app = createHttpApp({
    logger,
    bodyLimit: '64kb',
    readiness: async () => undefined,
    tickRoutes: ['/outbox-relay'],
    routes: (router) => {
      router.post('/outbox-relay', (_req, res) => void res.json({ relaying: true }));
      router.get('/things', (_req, res) => void res.json({ items: [] }));
    },
  });
  const requestLines = () => lines.filter((line) => line.msg === 'request');
  return { app, requestLines };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the request log', () => {
  it("logs a cron binding's tick at debug, and an ordinary request at info", async () => {
    const { app, requestLines } = appWithTick();

    await request(app).post('/outbox-relay').expect(200);
    await request(app).get('/things').expect(200);
    await settle();

    expect(requestLines().map(({ level, path, status }) => ({ level, path, status }))).toEqual([
      { level: DEBUG, path: '/outbox-relay', status: 200 },
      { level: INFO, path: '/things', status: 200 },
    ]);
  });

  it('logs a tick that is refused at info: a tick that does not reach its route is worth seeing', async () => {
    const { app, requestLines } = appWithTick();

    await request(app).post('/outbox-relay').set('content-type', 'text/plain').send('x').expect(415);
    await settle();

    expect(requestLines().map(({ level, status }) => ({ level, status }))).toEqual([{ level: INFO, status: 415 }]);
  });
});
