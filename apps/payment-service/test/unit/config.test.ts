import { ConfigError } from '@orderflow/service-kit';
import { loadPaymentServiceConfig } from '../../src/config';
import { PUBLISH_DEADLINE_MS } from '../../src/sidecar/event-publisher';

describe("payment-service's configuration", () => {
  it('claims outbox events for at least twice the relay\'s wait for one publish, by default', () => {
    expect(loadPaymentServiceConfig({}).OUTBOX_CLAIM_LEASE_MS).toBeGreaterThanOrEqual(2 * PUBLISH_DEADLINE_MS);
  });

  it('refuses a claim lease under twice the wait for one publish, naming the setting', () => {
    expect(() => loadPaymentServiceConfig({ OUTBOX_CLAIM_LEASE_MS: String(2 * PUBLISH_DEADLINE_MS - 1) })).toThrow(ConfigError);
    expect(() => loadPaymentServiceConfig({ OUTBOX_CLAIM_LEASE_MS: '1000' })).toThrow(/^invalid configuration in the environment:\n {2}OUTBOX_CLAIM_LEASE_MS: must be at least twice .*, not 1000:/);
    expect(loadPaymentServiceConfig({ OUTBOX_CLAIM_LEASE_MS: String(2 * PUBLISH_DEADLINE_MS) }).OUTBOX_CLAIM_LEASE_MS).toBe(2 * PUBLISH_DEADLINE_MS);
  });
});
