// Every piece of the dev platform has the one shape (lib/piece.mjs), and its
// health() is a real probe: on ports where nothing listens it answers "not
// healthy" in time, rather than throwing, hanging or saying yes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/local-files.mjs';

const PIECES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'pieces');

// Before the pieces read their settings: every port one where nothing listens.
for (const name of ['PG_PORT', 'KAFKA_PORT', 'KAFKA_CONTROLLER_PORT', 'SMTP_PORT', 'MAILDEV_WEB_PORT', 'ZIPKIN_PORT', 'SENTRY_PORT', 'SENTRY_HEALTHZ_PORT']) {
  process.env[name] = String(await freePort());
}
delete process.env.PG_ADMIN_USER;
const { PIECE_MEMBERS } = await import('../lib/piece.mjs');
const { PIECES } = await import('../pieces/index.mjs');

/** Rejects when `promise` takes longer than `ms`. */
const within = (ms, promise, what) =>
  Promise.race([promise, new Promise((resolve, reject) => setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms).unref())]);

describe('the pieces of the dev platform', () => {
  it('every module in pieces/ exports a piece with name, kind, detect, install, start, health and stop, and pieces/index.mjs lists it', async () => {
    const modules = fs.readdirSync(PIECES_DIR).filter((file) => file.endsWith('.mjs') && file !== 'index.mjs');
    assert.ok(modules.length >= 9, `only ${modules.length} piece modules`);
    for (const file of modules) {
      const { piece } = await import(path.join(PIECES_DIR, file));
      assert.ok(piece, `${file} exports no piece`);
      assert.deepEqual(Object.keys(piece).sort(), [...PIECE_MEMBERS].sort(), `${file}'s piece`);
      for (const member of ['detect', 'install', 'start', 'health', 'stop']) assert.equal(typeof piece[member], 'function', `${file}: ${member}`);
      assert.ok(PIECES.includes(piece), `pieces/index.mjs does not list ${piece.name} (${file})`);
    }
    assert.equal(new Set(PIECES.map((piece) => piece.name)).size, PIECES.length, 'two pieces share a name');
  });

  it('a server piece with nothing on its port answers health() with healthy: false and a reason, within 5 s', async () => {
    const servers = PIECES.filter((piece) => piece.kind === 'server' && piece.name !== 'dev-issuer');
    assert.ok(servers.length >= 5);
    for (const piece of servers) {
      const answer = await within(5_000, piece.health(), `${piece.name}.health()`);
      assert.equal(answer.healthy, false, `${piece.name}: ${answer.detail}`);
      assert.match(answer.detail, /\S/, `${piece.name} gives no reason`);
    }
  });

  it('detect() says what is there without starting anything: installed and running as booleans, and where', async () => {
    for (const piece of PIECES) {
      const found = await within(10_000, piece.detect(), `${piece.name}.detect()`);
      assert.equal(typeof found.installed, 'boolean', piece.name);
      assert.equal(typeof found.running, 'boolean', piece.name);
      assert.equal(typeof found.where, 'string', piece.name);
      // PostgreSQL's project cluster may run under another port set: it names its data folder, not a port.
      if (piece.kind === 'server' && piece.name !== 'postgres' && piece.name !== 'dev-issuer') assert.equal(found.running, false, `${piece.name} says running on a free port`);
    }
  });

  it('the development issuer is healthy once started and not healthy once stopped (its keys no longer answer)', async () => {
    const devIssuer = PIECES.find((piece) => piece.name === 'dev-issuer');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-issuer-')), 'issuer.json');
    await devIssuer.start({ port: 0, file });
    try {
      assert.equal((await devIssuer.health()).healthy, true);
      assert.equal((await devIssuer.detect()).running, true);
    } finally {
      await devIssuer.stop();
    }
    const after = await within(5_000, devIssuer.health(), 'dev-issuer.health() after stop');
    assert.equal(after.healthy, false, after.detail);
  });

  // That stop() leaves a server another launcher started running is proven, with a real
  // one, in test/already-running.test.mjs; here: with nothing there, it is a no-op.
  it('stop() with nothing started and nothing on the ports resolves and starts nothing', async () => {
    for (const piece of PIECES) {
      if (piece.name === 'dev-issuer') continue; // stopped for real in the test above
      await within(5_000, piece.stop(), `${piece.name}.stop()`);
      if (piece.kind === 'server' && piece.name !== 'postgres') assert.equal((await piece.health()).healthy, false, piece.name);
    }
  });

  it('a tool piece is healthy only when detect() finds it installed, and its health names the binary it ran', async () => {
    for (const piece of PIECES.filter((p) => p.kind === 'tool')) {
      const answer = await within(30_000, piece.health(), `${piece.name}.health()`);
      const found = await piece.detect();
      if (answer.healthy) assert.equal(found.installed, true, `${piece.name} is healthy but detect() says not installed: ${answer.detail}`);
      assert.match(answer.detail, /\//, `${piece.name}: ${answer.detail}`);
    }
  });

  it("a tool's health runs it: a binary that is missing or exits non-zero is not healthy, one that runs is, with its output", async () => {
    const { toolRuns } = await import('../lib/piece.mjs');
    const missing = toolRuns('/nonexistent/tool');
    assert.equal(missing.healthy, false);
    assert.match(missing.detail, /\/nonexistent\/tool: .*ENOENT/);
    const failing = toolRuns(process.execPath, ['-e', 'process.exit(3)']);
    assert.equal(failing.healthy, false);
    assert.match(failing.detail, /exited 3/);
    const runs = toolRuns(process.execPath, ['--version']);
    assert.equal(runs.healthy, true);
    assert.match(runs.detail, new RegExp(process.version.replaceAll('.', '\\.')));
  });
});

describe('the postgres piece', () => {
  it('a new cluster uses the pinned major (POSTGRES_MAJOR) when it is installed, even beside a newer one; else the newest, and says so', async () => {
    const { POSTGRES_MAJOR, serverVersionFor } = await import('../pieces/postgres.mjs');
    const newer = String(Number(POSTGRES_MAJOR) + 2);
    assert.deepEqual(serverVersionFor([newer, POSTGRES_MAJOR]), { version: POSTGRES_MAJOR });
    assert.deepEqual(serverVersionFor([POSTGRES_MAJOR]), { version: POSTGRES_MAJOR });
    const other = serverVersionFor([newer, '13']);
    assert.equal(other.version, newer);
    assert.match(other.note, new RegExp(`PostgreSQL ${POSTGRES_MAJOR} \\(POSTGRES_MAJOR\\) is not installed; using ${newer}`));
    assert.equal(serverVersionFor([]), undefined);
  });

  it("names each service's database for npm start, the tests and the local cluster, and refuses a variant it does not know", async () => {
    const { databaseUrl } = await import('../pieces/postgres.mjs');
    const databaseOf = (variant) => new URL(databaseUrl('payment-service', variant && { variant })).pathname;
    assert.equal(databaseOf(undefined), '/orderflow_payments');
    assert.equal(databaseOf('test'), '/orderflow_payments_test');
    assert.equal(databaseOf('cluster'), '/orderflow_payments_cluster');
    assert.throws(() => databaseOf('staging'), /unknown database variant "staging"/);
  });
});
