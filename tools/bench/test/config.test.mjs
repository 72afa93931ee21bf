// The bench's knobs (BENCH_*), and the command a run's results say wrote them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchCommand, benchSettings } from '../config.mjs';

describe('the settings', () => {
  it('when nothing is set, then 20 s at 1, 8, 32 and 64 clients, and the sidecar runs last 10 s', () => {
    assert.deepEqual(benchSettings({}), {
      durationSeconds: 20,
      levels: [1, 8, 32, 64],
      warmupSeconds: 5,
      drainSeconds: 30,
      loadLevel: 32,
      sidecarSeconds: 10,
      sidecarConnections: [1, 8],
      failFastSeconds: 5,
      failFastConnections: [1, 8],
    });
  });

  it('read lists with spaces, and a short duration shortens the sidecar runs with it', () => {
    const settings = benchSettings({ BENCH_LEVELS: '4, 32', BENCH_DURATION_SECONDS: '6', BENCH_SIDECAR_CONNECTIONS: '' });
    assert.deepEqual(settings.levels, [4, 32]);
    assert.equal(settings.sidecarSeconds, 6);
    assert.deepEqual(settings.sidecarConnections, [1, 8]);
  });

  it('refuse what is not a count, naming the variable', () => {
    assert.throws(() => benchSettings({ BENCH_LEVELS: '1,8.5' }), /BENCH_LEVELS=1,8\.5 is not a list of whole numbers/);
    assert.throws(() => benchSettings({ BENCH_LEVELS: '0' }), /BENCH_LEVELS/);
    assert.throws(() => benchSettings({ BENCH_DURATION_SECONDS: 'ten' }), /BENCH_DURATION_SECONDS=ten is not a positive number/);
    assert.throws(() => benchSettings({ BENCH_DRAIN_SECONDS: '-1' }), /BENCH_DRAIN_SECONDS/);
  });
});

describe('the command', () => {
  it('is npm run bench after the BENCH_* variables that were set, in order, and nothing else of the environment', () => {
    assert.equal(benchCommand({}), 'npm run bench');
    assert.equal(
      benchCommand({ PATH: '/usr/bin', BENCH_LEVELS: '32', BENCH_DURATION_SECONDS: '10', BENCH_WARMUP_SECONDS: '' }),
      'BENCH_DURATION_SECONDS=10 BENCH_LEVELS=32 npm run bench',
    );
  });

  it('quotes a value so that the command can be pasted back into a shell', () => {
    assert.equal(benchCommand({ BENCH_LEVELS: '1, 8' }), "BENCH_LEVELS='1, 8' npm run bench");
    assert.equal(benchCommand({ BENCH_X: "it's" }), "BENCH_X='it'\\''s' npm run bench");
  });
});
