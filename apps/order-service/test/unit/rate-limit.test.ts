import { CustomerRateLimit } from '../../src/http/customer-rate-limit';

describe('the per-customer order rate limit', () => {
  it('lets a customer place the limit at once, then asks the next order to wait', () => {
    let now = 0;
    const limit = new CustomerRateLimit(3, () => now);
    expect([limit.take('c-1'), limit.take('c-1'), limit.take('c-1')]).toEqual([0, 0, 0]);
    expect(limit.take('c-1')).toBe(20_000);
    now = 20_000;
    expect(limit.take('c-1')).toBe(0);
  });

  it('keeps customers apart: one busy customer does not slow another', () => {
    const limit = new CustomerRateLimit(1, () => 0);
    expect(limit.take('busy')).toBe(0);
    expect(limit.take('busy')).toBeGreaterThan(0);
    expect(limit.take('other')).toBe(0);
  });
});
