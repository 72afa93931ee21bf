// What the stack (stack.mjs) does before it starts anything.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { freePort } from '../lib/local-files.mjs';

// Before the pieces read their settings: Kafka and Zipkin ports of this test's own.
for (const name of ['KAFKA_PORT', 'KAFKA_CONTROLLER_PORT', 'ZIPKIN_PORT']) process.env[name] = String(await freePort());
const { definePiece, healthy } = await import('../lib/piece.mjs');
const { installUnlessRunning } = await import('../stack.mjs');

/** A server piece whose detect() says `running`, and that counts its installs. */
function fakeServer(running) {
  const calls = { install: 0 };
  const piece = definePiece({
    name: 'fake',
    kind: 'server',
    detect: async () => ({ installed: false, running, where: '127.0.0.1:1' }),
    install: async () => {
      calls.install += 1;
      return '/fetched';
    },
    start: async () => null,
    health: async () => healthy('fake'),
    stop: async () => undefined,
  });
  return { piece, calls };
}

describe('fetching what a server needs (prepare)', () => {
  it('when the piece already answers (a container of the Docker alternative), its install is not called', async () => {
    const { piece, calls } = fakeServer(true);
    assert.equal(await installUnlessRunning(piece), null);
    assert.equal(calls.install, 0);
  });

  it('when nothing answers, the piece is installed', async () => {
    const { piece, calls } = fakeServer(false);
    assert.equal(await installUnlessRunning(piece), '/fetched');
    assert.equal(calls.install, 1);
  });

  it('with Kafka and Zipkin answering on their ports and no java or mvn on PATH, prepare\'s jar steps for them succeed', async () => {
    // Something that answers on both ports as detect() probes them: a TCP accept (Kafka), GET /health (Zipkin).
    const servers = [];
    for (const port of [process.env.KAFKA_PORT, process.env.ZIPKIN_PORT]) {
      const server = http.createServer((request, response) => response.end('{"status":"UP"}'));
      await new Promise((resolve) => server.listen(Number(port), '127.0.0.1', resolve));
      servers.push(server);
    }
    after(() => servers.forEach((server) => server.close()));
    const { piece: kafka } = await import('../pieces/kafka.mjs');
    const { piece: zipkin } = await import('../pieces/zipkin.mjs');
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent'; // kafka.install() starts with `java -version`, which would fail now
    try {
      assert.equal(await installUnlessRunning(kafka), null);
      assert.equal(await installUnlessRunning(zipkin), null);
      await assert.rejects(kafka.install(), /java/i, 'the test proves nothing if install() works without java');
    } finally {
      process.env.PATH = path;
    }
  });
});
