// A service that cannot start, as an operator sees it: each service's built
// start command (`node dist/start.js`, as the image runs it) with a bad
// environment writes the problems as plain lines on stderr (the fatal JSON
// line on stdout escapes its line breaks), and exits non-zero.
import { runBuiltCommand } from './built-command';

const startCommand = (service: string, env: Record<string, string>) => runBuiltCommand(service, 'start', env);

describe('a service that cannot start', () => {
  it('writes every problem the schema finds to stderr as plain lines, one per variable, then the fatal JSON line to stdout, and exits 1', () => {
    const run = startCommand('payment-service', { OUTBOX_BATCH_SIZE: 'abc', DATABASE_POOL_MAX: '0', LOG_LEVEL: 'info' });

    expect(run.status).toBe(1);
    const lines = run.stderr.split('\n');
    expect(lines[0]).toBe('payment-service cannot start: invalid configuration in the environment:');
    expect(lines.filter((line) => /^ {2}[A-Z_]+: /.test(line)).map((line) => line.trim().split(':')[0]).sort()).toEqual([
      'DATABASE_POOL_MAX',
      'OUTBOX_BATCH_SIZE',
    ]);
    const fatal = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { level: string; msg: string };
    expect(fatal.level).toBe('fatal');
    expect(fatal.msg).toContain('  OUTBOX_BATCH_SIZE: ');
  });

  it('reports a rule between settings once every variable passes the schema', () => {
    const run = startCommand('payment-service', { OUTBOX_CLAIM_LEASE_MS: '1000', LOG_LEVEL: 'info' });

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^ {2}OUTBOX_CLAIM_LEASE_MS: must be at least twice/m);
  });

  it('names a missing APP_API_TOKEN on stderr', () => {
    const run = startCommand('payment-service', { LOG_LEVEL: 'info' });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('payment-service cannot start: APP_API_TOKEN is not set.');
  });
});
