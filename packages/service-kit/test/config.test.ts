import { z } from 'zod';
import { ConfigError, configError, loadConfig, positiveInt } from '../src/config';

describe('a configuration error', () => {
  it('has one form: a heading, then one line per problem, "  NAME: what is wrong"', () => {
    const error = configError([
      { variable: 'OUTBOX_CLAIM_LEASE_MS', problem: 'must be at least twice the wait for one publish (2 × 30000), not 1000' },
      { variable: 'EMAIL_RETRY_MAX_MS', problem: 'must not be below EMAIL_RETRY_BASE_MS (5000)' },
    ]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'invalid configuration in the environment:\n' +
        '  OUTBOX_CLAIM_LEASE_MS: must be at least twice the wait for one publish (2 × 30000), not 1000\n' +
        '  EMAIL_RETRY_MAX_MS: must not be below EMAIL_RETRY_BASE_MS (5000)',
    );
  });

  it('is what the schema check throws too, naming every bad variable at once', () => {
    const shape = { BATCH_SIZE: positiveInt(100), MODE: z.enum(['a', 'b']).default('a') };
    const load = () => loadConfig(shape, { BATCH_SIZE: '0', MODE: 'c' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^invalid configuration in the environment:\n {2}BATCH_SIZE: .+\n {2}MODE: .+$/);
  });
});
