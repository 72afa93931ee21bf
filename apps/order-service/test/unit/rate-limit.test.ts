import { RateLimit } from '../../src/http/rate-limit';

describe('a rate limit per key (customer id or client address)', () => {
  it('lets a customer place the limit at once, then asks the next order to wait', () => {
    let now = 0;
    const limit = new RateLimit(3, () => now);
    expect([limit.take('c-1'), limit.take('c-1'), limit.take('c-1')]).toEqual([0, 0, 0]);
    expect(limit.take('c-1')).toBe(20_000);
    now = 20_000;
    expect(limit.take('c-1')).toBe(0);
  });

  it('keeps customers apart: one busy customer does not slow another', () => {
    const limit = new RateLimit(1, () => 0);
    expect(limit.take('busy')).toBe(0);
    expect(limit.take('busy')).toBeGreaterThan(0);
    expect(limit.take('other')).toBe(0);
  });
});
