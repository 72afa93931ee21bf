import { emailRetryDelayMs } from '../../src/domain/dispatch-emails';

describe('the backoff between attempts at an e-mail', () => {
  it('doubles from the base after each failed attempt, up to the maximum', () => {
    const options = { retryBaseMs: 5_000, retryMaxMs: 300_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempts) => emailRetryDelayMs(attempts, options))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
  });
});
