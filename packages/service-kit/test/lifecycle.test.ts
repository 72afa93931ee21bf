import express from 'express';
import { closeServer, listen } from '../src/lifecycle';

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
});
