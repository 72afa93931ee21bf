import { ConfigError } from '@orderflow/service-kit';
import { loadOrderServiceConfig } from '../../src/config';

describe("order-service's configuration", () => {
  it('leaves a new order to its request for 30 s and leases swept orders for 30 s by default, both longer than the 5 s payment call', () => {
    const config = loadOrderServiceConfig({});
    expect(config).toMatchObject({ PAYMENT_CALL_TIMEOUT_MS: 5_000, PAYMENT_GRACE_MS: 30_000, PAYMENT_SWEEP_LEASE_MS: 30_000 });
  });

  it.each(['PAYMENT_GRACE_MS', 'PAYMENT_SWEEP_LEASE_MS'])(
    'refuses to start when %s is not longer than the longest payment call, naming the variable',
    (name) => {
      const load = () => loadOrderServiceConfig({ PAYMENT_CALL_TIMEOUT_MS: '8000', [name]: '8000' });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(new RegExp(`${name}: must be longer than PAYMENT_CALL_TIMEOUT_MS \\(8000\\)`));
    },
  );

  it('accepts a grace and a lease just longer than the payment call', () => {
    expect(() => loadOrderServiceConfig({ PAYMENT_CALL_TIMEOUT_MS: '8000', PAYMENT_GRACE_MS: '8001', PAYMENT_SWEEP_LEASE_MS: '9000' })).not.toThrow();
  });
});
