// notification-service as its HTTP tests build it: a real database, the
// dispatcher with short times (backoff and leases play out within a test), and
// the e-mail sender the test brings (the real one against a stub sidecar, or a
// stand-in).
import { randomUUID } from 'node:crypto';
import type { Knex } from '@orderflow/service-kit';
import { buildNotificationApp, type NotificationAppDeps } from '../../src/app';
import type { DispatchOptions } from '../../src/domain/dispatch-emails';
import type { EmailSender } from '../../src/domain/email-sender';
import { testLogger } from '../../../../test-support/logger';

/** Short times, so backoff and leases play out within a test. */
export const TEST_DISPATCH: DispatchOptions = {
  maxConcurrentSends: 4,
  leaseMs: 4_000,
  sendWindowMs: 2_000,
  retryBaseMs: 300,
  retryMaxMs: 1_000,
  claimant: { workerId: 'test-worker', incarnation: randomUUID() },
};

export function buildTestNotificationApp(
  db: Knex,
  email: EmailSender,
  overrides: Partial<Omit<NotificationAppDeps, 'dispatch'>> & { dispatch?: Partial<DispatchOptions> } = {},
) {
  const { dispatch, ...rest } = overrides;
  return buildNotificationApp({ db, email, dispatch: { ...TEST_DISPATCH, ...dispatch }, logger: testLogger, bodyLimit: '64kb', ...rest });
}

let sequence = 0;
/** A payment.confirmed CloudEvent as the sidecar delivers it (our envelope plus Dapr's own attributes); `data` replaces fields of the payment. */
export function paymentConfirmedDelivery(overrides: { data?: object; id?: string } = {}) {
  sequence += 1;
  const orderReference = `ORD-NOTIFY${Date.now()}${sequence}`;
  return {
    specversion: '1.0',
    id: overrides.id ?? `evt-${Date.now()}-${sequence}`,
    type: 'payment.confirmed',
    source: 'payment-service',
    subject: orderReference,
    datacontenttype: 'application/json',
    topic: 'payment-topic',
    pubsubname: 'kafka-pubsub',
    data: {
      paymentId: `pay-${Date.now()}-${sequence}`,
      orderReference,
      amount: '49.90',
      currency: 'EUR',
      paymentMethod: 'VISA',
      customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
      confirmedAt: '2026-11-25T10:00:00.000Z',
      ...overrides.data,
    },
  };
}
