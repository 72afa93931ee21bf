import express from 'express';
import { BackgroundLoop, closeServer, listen } from '../src/lifecycle';
import { createLogger } from '../src/logger';

const logger = createLogger('test', 'silent');

describe('graceful shutdown', () => {
  it('answers a request already in flight, then refuses new connections', async () => {
    const app = express();
    app.get('/slow', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      res.json({ done: true });
    });
    const server = await listen(app, '127.0.0.1', 0);
    const { port } = server.address() as { port: number };

    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = closeServer(server);

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closed;
    await expect(fetch(`http://127.0.0.1:${port}/slow`)).rejects.toThrow();
  });

  it('lets a background loop finish the iteration it is in before stopping, and starts no new one', async () => {
    let started = 0;
    let finished = 0;
    const loop = new BackgroundLoop(
      'test',
      10,
      async () => {
        started += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished += 1;
      },
      logger,
    );
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await loop.stop();
    expect(finished).toBe(started);
    const afterStop = started;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started).toBe(afterStop);
  });

  it('tells the iteration it is in that the loop is stopping, so that it can hand back what it holds', async () => {
    let sawStop: boolean | undefined;
    const loop = new BackgroundLoop(
      'test',
      60_000,
      async (signal) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        sawStop = signal.aborted;
      },
      logger,
    );
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await loop.stop();
    expect(sawStop).toBe(true);
  });

  it('runs again at once when kicked during an iteration, instead of waiting a whole interval', async () => {
    let runs = 0;
    const loop = new BackgroundLoop(
      'test',
      60_000,
      async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
      logger,
    );
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    loop.kick();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await loop.stop();
    expect(runs).toBe(2);
  });
});
