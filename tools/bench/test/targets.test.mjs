// The targets of issue #7 met or missed, and the notes on what disturbed a run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { evaluateTargets, notesOn } from '../targets.mjs';

const run = () => JSON.parse(fs.readFileSync(new URL('./fixtures/run-2026-11-25.json', import.meta.url), 'utf8'));
const target = (targets, name) => targets.find((t) => t.name === name);

describe('the targets', () => {
  it('of the run of 2026-11-25 are the ones its report showed', () => {
    const results = run();
    assert.deepEqual(evaluateTargets(results), results.targets);
  });

  it('when no level ran at 32 clients (BENCH_LEVELS=4), then the targets at 32 clients are neither met nor missed', () => {
    const results = run();
    results.orders = results.orders.filter((level) => level.connections !== 32);
    const targets = evaluateTargets(results);
    for (const name of ['orders/s at 32 clients', 'p99 latency at 32 clients', 'e-mail lag p99 at 32 clients (ms)']) {
      assert.equal(target(targets, name).met, null, name);
      assert.equal(target(targets, name).measured ?? null, null, name);
    }
  });

  it('when one e-mail of any level is missing, then the lost e-mails target is missed', () => {
    const results = run();
    results.orders[0].email.missing = 1;
    assert.deepEqual(target(evaluateTargets(results), 'lost e-mails (all levels; missing at the end of the bench)'), {
      name: 'lost e-mails (all levels; missing at the end of the bench)',
      target: '0',
      measured: 1,
      met: false,
    });
  });

  it('when the e-mail lag at 32 clients is unknown (too many missing), then that target is missed, and says why', () => {
    const results = run();
    results.orders.find((l) => l.connections === 32).email.lagMs.p99 = null;
    const lag = target(evaluateTargets(results), 'e-mail lag p99 at 32 clients (ms)');
    assert.equal(lag.measured, 'unknown (e-mails missing)');
    assert.equal(lag.met, false);
  });
});

describe('the notes', () => {
  it('name a level that other processes disturbed by more than 10 % of a core, and not the others', () => {
    const results = run();
    results.orders[1].resources.machine.otherPercent = 10.1;
    const notes = notesOn(results).filter((n) => n.startsWith('While'));
    assert.deepEqual(notes, [
      'While 8 clients ran, processes outside the stack and the bench used 10.1% of a core: the numbers of that level are disturbed.',
    ]);
  });

  it('say when PostgreSQL ran without fsync', () => {
    const results = run();
    results.stack.postgres.fsync = 'off';
    assert.ok(notesOn(results).some((n) => n.startsWith('PostgreSQL ran with fsync=off')));
    assert.ok(!notesOn(run()).some((n) => n.startsWith('PostgreSQL ran with fsync=off')));
  });
});
