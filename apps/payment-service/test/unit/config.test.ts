import { ConfigError } from '@orderflow/service-kit';
import { loadPaymentServiceConfig } from '../../src/config';
import { PUBLISH_DEADLINE_MS } from '../../src/sidecar/event-publisher';

describe("payment-service's configuration", () => {
  it('claims outbox events for longer than the relay waits for one publish, by default', () => {
    expect(loadPaymentServiceConfig({}).OUTBOX_CLAIM_LEASE_MS).toBeGreaterThan(PUBLISH_DEADLINE_MS);
  });

  it('refuses a claim lease that a publish could outlast, naming the setting', () => {
    expect(() => loadPaymentServiceConfig({ OUTBOX_CLAIM_LEASE_MS: String(PUBLISH_DEADLINE_MS) })).toThrow(ConfigError);
    expect(() => loadPaymentServiceConfig({ OUTBOX_CLAIM_LEASE_MS: '1000' })).toThrow(/OUTBOX_CLAIM_LEASE_MS \(1000\) must be above/);
  });
});
