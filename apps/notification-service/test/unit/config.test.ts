import { ConfigError } from '@orderflow/service-kit';
import { loadNotificationServiceConfig } from '../../src/config';

describe("notification-service's configuration", () => {
  it('lets a lease outlast its send window and keeps the backoff ceiling above its base, by default', () => {
    const config = loadNotificationServiceConfig({});
    expect(config.EMAIL_SEND_LEASE_MS).toBeGreaterThanOrEqual(config.EMAIL_SEND_WINDOW_MS + 10_000);
    expect(config.EMAIL_RETRY_MAX_MS).toBeGreaterThanOrEqual(config.EMAIL_RETRY_BASE_MS);
  });

  it('refuses a lease that would not outlast the send and a backoff ceiling below its base, both at once, each line naming its variable', () => {
    const load = () =>
      loadNotificationServiceConfig({ EMAIL_SEND_WINDOW_MS: '60000', EMAIL_SEND_LEASE_MS: '65000', EMAIL_RETRY_BASE_MS: '5000', EMAIL_RETRY_MAX_MS: '1000' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /^invalid configuration in the environment:\n {2}EMAIL_SEND_LEASE_MS: must be at least EMAIL_SEND_WINDOW_MS \+ 10000 \(70000\), not 65000: .+\n {2}EMAIL_RETRY_MAX_MS: must not be below EMAIL_RETRY_BASE_MS \(5000\)$/,
    );
  });
});

describe('the dispatcher’s settings', () => {
  it('refuse a lease that does not outlast the send window by 10 s (a take-over could overlap a send)', () => {
    expect(() => loadNotificationServiceConfig({ EMAIL_SEND_WINDOW_MS: '180000', EMAIL_SEND_LEASE_MS: '185000' })).toThrow(
      /EMAIL_SEND_LEASE_MS: must be at least EMAIL_SEND_WINDOW_MS \+ 10000 \(190000\), not 185000/,
    );
    expect(loadNotificationServiceConfig({ EMAIL_SEND_WINDOW_MS: '180000', EMAIL_SEND_LEASE_MS: '190000' }).EMAIL_SEND_LEASE_MS).toBe(190_000);
  });

  it('name the worker after this host and port unless WORKER_ID says otherwise', () => {
    expect(loadNotificationServiceConfig({ APP_PORT: '3003' }).WORKER_ID).toMatch(/:3003$/);
    expect(loadNotificationServiceConfig({ WORKER_ID: 'notification-service-7d9f-abcde' }).WORKER_ID).toBe('notification-service-7d9f-abcde');
  });
});
