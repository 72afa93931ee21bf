import { emailRetryDelayMs } from '../../src/domain/dispatch-emails';
import { loadNotificationServiceConfig } from '../../src/config';

describe('the backoff between attempts at an e-mail', () => {
  it('doubles from the base after each failed attempt, up to the maximum', () => {
    const options = { retryBaseMs: 5_000, retryMaxMs: 300_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempts) => emailRetryDelayMs(attempts, options))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
  });
});

describe('the dispatcher’s settings', () => {
  it('refuse a lease that does not outlast the send window by 10 s (a take-over could overlap a send)', () => {
    expect(() => loadNotificationServiceConfig({ EMAIL_SEND_WINDOW_MS: '180000', EMAIL_SEND_LEASE_MS: '185000' })).toThrow(
      /EMAIL_SEND_LEASE_MS \(185000\) must be at least EMAIL_SEND_WINDOW_MS \+ 10000/,
    );
    expect(loadNotificationServiceConfig({ EMAIL_SEND_WINDOW_MS: '180000', EMAIL_SEND_LEASE_MS: '190000' }).EMAIL_SEND_LEASE_MS).toBe(190_000);
  });

  it('name the worker after this host and port unless WORKER_ID says otherwise', () => {
    expect(loadNotificationServiceConfig({ APP_PORT: '3003' }).WORKER_ID).toMatch(/:3003$/);
    expect(loadNotificationServiceConfig({ WORKER_ID: 'notification-service-7d9f-abcde' }).WORKER_ID).toBe('notification-service-7d9f-abcde');
  });
});
