import type { OrderRepository } from '../../src/domain/order-repository';
import type { PaymentGateway } from '../../src/domain/payment-gateway';
import { sweep } from '../../src/domain/sweep';

/** No pending order due; the purge as given. */
const ordersPurging = (purgeExpiredIdempotencyKeys: OrderRepository['purgeExpiredIdempotencyKeys']) =>
  ({
    async claimDuePayments() {
      return [];
    },
    purgeExpiredIdempotencyKeys,
  }) as unknown as OrderRepository;

const payments: PaymentGateway = {
  async requestPayment() {
    throw new Error('no order is due: no payment is asked for');
  },
};
const options = { batchSize: 10, concurrency: 2, leaseMs: 30_000 };

describe('a sweep tick', () => {
  it('reports the payments it retried and how many expired Idempotency-Keys it purged', async () => {
    const result = await sweep({ orders: ordersPurging(async () => 7), payments }, options);
    expect(result).toEqual({ payments: expect.objectContaining({ tried: 0 }), purgedIdempotencyKeys: 7 });
  });

  it('when the purge fails, then it still reports the payments, and why the purge failed, instead of failing', async () => {
    const failure = new Error('connection terminated');
    const result = await sweep(
      {
        orders: ordersPurging(async () => {
          throw failure;
        }),
        payments,
      },
      options,
    );
    expect(result).toEqual({ payments: expect.objectContaining({ tried: 0 }), purgedIdempotencyKeys: 0, purgeError: failure });
  });
});
