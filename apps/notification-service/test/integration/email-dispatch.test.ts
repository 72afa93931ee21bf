// The dispatcher's leases on a real PostgreSQL: several dispatchers (replicas,
// or a process and its successor) over one notifications table, a sidecar that
// takes its time, and holders that die or lose their lease.
import { randomUUID } from 'node:crypto';
import type { PaymentConfirmed } from '@orderflow/contracts';
import { KnexNotificationRepository } from '../../src/data/notification-repository';
import { migrations } from '../../src/data/migrations';
import { EmailDispatcher, type DispatchObserver, type DispatchOptions } from '../../src/domain/dispatch-emails';
import { EmailNotSent, type EmailSender, type SendOptions } from '../../src/domain/email-sender';
import type { Email } from '../../src/domain/notification';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { until as eventually } from '../../../../test-support/until';

let database: TestDatabase;
let notifications: KnexNotificationRepository;

beforeAll(async () => {
  database = await createTestDatabase('notification-service', migrations);
  notifications = new KnexNotificationRepository(database.db);
});

afterAll(async () => {
  await database.drop();
});

beforeEach(async () => {
  await database.db('notifications').delete();
});

let sequence = 0;
function payment(): PaymentConfirmed {
  sequence += 1;
  return {
    paymentId: `pay-dispatch-${sequence}-${randomUUID()}`,
    orderReference: `ORD-DISPATCH${sequence}`,
    amount: '10.00',
    currency: 'EUR',
    paymentMethod: 'VISA',
    customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: `ada.${sequence}@example.com` },
    confirmedAt: '2026-11-25T10:00:00.000Z',
  };
}

async function recordOwed(count: number, stored: Partial<PaymentConfirmed> = {}): Promise<PaymentConfirmed[]> {
  const payments = Array.from({ length: count }, () => ({ ...payment(), ...stored }));
  for (const p of payments) {
    await notifications.record({
      eventId: `evt-${p.paymentId}`,
      paymentId: p.paymentId,
      orderReference: p.orderReference,
      recipient: p.customer.email,
      subject: `Payment confirmed for order ${p.orderReference}`,
      payment: p,
    });
  }
  return payments;
}

/** An SMTP binding stand-in: records every send, takes `delayMs`, honours the abort signal like the sidecar does. */
class RecordingSender implements EmailSender {
  readonly sent: { to: string; options: SendOptions }[] = [];
  inFlight = 0;
  mostAtOnce = 0;
  private readonly pending = new Set<() => void>();
  constructor(public delayMs = 0, public answer: () => EmailNotSent | undefined = () => undefined) {}
  /** Ends every send still waiting out its delay, now. */
  finishAll(): void {
    for (const finish of this.pending) finish();
  }
  async send(email: Email, options: SendOptions): Promise<void> {
    this.inFlight += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.inFlight);
    try {
      await new Promise<void>((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer);
          this.pending.delete(finish);
          resolve();
        };
        const timer = setTimeout(finish, this.delayMs);
        this.pending.add(finish);
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new EmailNotSent('abandoned', 'unknown', 'sidecar', false));
        });
      });
      const failure = this.answer();
      if (failure) throw failure;
      this.sent.push({ to: email.to, options });
    } finally {
      this.inFlight -= 1;
    }
  }
}

function recordingObserver() {
  const seen = { ambiguous: [] as string[], leaseLost: 0, errors: [] as unknown[], failed: 0, unrenderable: [] as string[] };
  const observer: DispatchObserver = {
    sent: () => undefined,
    failed: () => (seen.failed += 1),
    undeliverable: () => undefined,
    unrenderable: (_n, reason) => seen.unrenderable.push(reason),
    ambiguous: (_n, why) => seen.ambiguous.push(why),
    leaseLost: () => (seen.leaseLost += 1),
    error: (error) => seen.errors.push(error),
  };
  return { seen, observer };
}

const OPTIONS: DispatchOptions = {
  maxConcurrentSends: 4,
  leaseMs: 3_000,
  sendWindowMs: 2_000,
  retryBaseMs: 200,
  retryMaxMs: 1_000,
  claimant: { workerId: 'worker-a', incarnation: randomUUID() },
};

function dispatcher(email: EmailSender, options: Partial<DispatchOptions> = {}) {
  const { seen, observer } = recordingObserver();
  return { dispatcher: new EmailDispatcher({ notifications, email, observer }, { ...OPTIONS, ...options }), seen };
}

const statuses = async () => (await database.db('notifications').select('status').orderBy('id')).map((r: { status: string }) => r.status);
const allSent = async () => (await statuses()).every((s) => s === 'SENT');

describe('dispatching e-mails', () => {
  it('claims only as many e-mails as it has free places, and never has more sends in flight', async () => {
    await recordOwed(10);
    const sender = new RecordingSender(150);
    const { dispatcher: d } = dispatcher(sender, { maxConcurrentSends: 3 });
    await d.wake();
    // Claims are not taken ahead of a free place: the rest wait unclaimed, for any replica.
    expect((await statuses()).filter((s) => s === 'SENDING')).toHaveLength(3);
    expect((await statuses()).filter((s) => s === 'PENDING')).toHaveLength(7);
    await eventually('all sent', allSent);
    expect(sender.mostAtOnce).toBe(3);
    expect(sender.sent).toHaveLength(10);
    await d.stop(1_000);
  });

  it('sends each e-mail once when two replicas dispatch the same table at the same time', async () => {
    const payments = await recordOwed(20);
    const sender = new RecordingSender(30);
    const a = dispatcher(sender, { claimant: { workerId: 'replica-a', incarnation: randomUUID() } });
    const b = dispatcher(sender, { claimant: { workerId: 'replica-b', incarnation: randomUUID() } });
    await Promise.all([a.dispatcher.wake({ abandoned: true }), b.dispatcher.wake({ abandoned: true })]);
    await eventually('all sent', allSent);
    expect(sender.sent.map((s) => s.to).sort()).toEqual(payments.map((p) => p.customer.email).sort());
    await Promise.all([a.dispatcher.stop(500), b.dispatcher.stop(500)]);
  });

  it('keeps renewing the lease of a send that outlasts it, so no other replica sends it too', async () => {
    await recordOwed(1);
    // The send takes twice the lease; another replica keeps looking for abandoned e-mails meanwhile.
    const slow = new RecordingSender(6_000);
    const other = new RecordingSender(0);
    const holder = dispatcher(slow, { claimant: { workerId: 'slow', incarnation: randomUUID() } });
    const replica = dispatcher(other, { claimant: { workerId: 'other', incarnation: randomUUID() } });
    await holder.dispatcher.wake();
    const watcher = setInterval(() => void replica.dispatcher.wake({ abandoned: true }), 200);
    try {
      await eventually('sent', allSent, 12_000);
    } finally {
      clearInterval(watcher);
    }
    expect(slow.sent).toHaveLength(1);
    expect(other.sent).toHaveLength(0);
    expect(holder.seen.leaseLost).toBe(0);
    await Promise.all([holder.dispatcher.stop(500), replica.dispatcher.stop(500)]);
  });

  it('tells the sidecar to abandon a send not complete within the send window, counted from the claim', async () => {
    await recordOwed(1);
    const sender = new RecordingSender(0);
    const { dispatcher: d } = dispatcher(sender, { sendWindowMs: 2_000 });
    const before = Date.now();
    await d.wake();
    await eventually('sent', allSent);
    const completeBefore = sender.sent[0]!.options.completeBefore.getTime();
    expect(completeBefore).toBeGreaterThanOrEqual(before + 2_000);
    expect(completeBefore).toBeLessThanOrEqual(Date.now() + 2_000);
    await d.stop(500);
  });
});

describe('a holder that is gone', () => {
  it('is replaced at once by its own successor (the same worker restarted), which counts the send as ambiguous', async () => {
    await recordOwed(1);
    // The first process claims and dies mid-send: nothing records its outcome.
    const dead = { workerId: 'pod-1', incarnation: randomUUID() };
    const claimed = await notifications.claimDue(1, 60_000, dead);
    expect(claimed).toHaveLength(1);

    const sender = new RecordingSender(0);
    const successor = dispatcher(sender, { claimant: { workerId: 'pod-1', incarnation: randomUUID() }, leaseMs: 60_000, sendWindowMs: 50_000 });
    await successor.dispatcher.wake({ abandoned: true });
    await eventually('sent', allSent);
    expect(sender.sent).toHaveLength(1);
    expect(successor.seen.ambiguous).toEqual(['holder-gone']);
    await successor.dispatcher.stop(500);
  });

  it('is taken over by another worker only once its lease has run out and is still run out three renewals later', async () => {
    await recordOwed(1);
    await notifications.claimDue(1, 1_500, { workerId: 'pod-gone', incarnation: randomUUID() });
    const sender = new RecordingSender(0);
    // leaseMs 4 s: renewals every 1 s, a run-out lease confirmed 3 s after it is first seen.
    const other = dispatcher(sender, { claimant: { workerId: 'pod-2', incarnation: randomUUID() }, leaseMs: 4_000 });

    await other.dispatcher.wake({ abandoned: true });
    expect(await statuses()).toEqual(['SENDING']);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    // Run out, seen for the first time: not yet.
    await other.dispatcher.wake({ abandoned: true });
    expect(await statuses()).toEqual(['SENDING']);
    expect(sender.sent).toHaveLength(0);

    await new Promise((resolve) => setTimeout(resolve, 3_100));
    await other.dispatcher.wake({ abandoned: true });
    await eventually('sent', allSent);
    expect(sender.sent).toHaveLength(1);
    expect(other.seen.ambiguous).toEqual(['holder-gone']);
    await other.dispatcher.stop(500);
  });

  it('is not taken over when it renews after its run-out lease was seen (it was only cut off from the database)', async () => {
    await recordOwed(1);
    const holder = { workerId: 'pod-cut-off', incarnation: randomUUID() };
    const [held] = await notifications.claimDue(1, 500, holder);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const other = { workerId: 'pod-3', incarnation: randomUUID() };
    expect(await notifications.claimAbandoned(1, 60_000, other, { confirmAfterMs: 300 })).toEqual([]);
    // The holder is back and renews: the sighting is cleared.
    expect(await notifications.renewLease(held!.id, held!.leaseToken, 60_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await notifications.claimAbandoned(1, 60_000, other, { confirmAfterMs: 300 })).toEqual([]);
    expect(await notifications.markSent(held!.id, held!.leaseToken)).toBe(true);
  });

  it('is never taken over by the very process that holds it, even once its lease has run out', async () => {
    await recordOwed(1);
    const self = { workerId: 'pod-4', incarnation: randomUUID() };
    await notifications.claimDue(1, 100, self);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await notifications.claimAbandoned(1, 60_000, self, { confirmAfterMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await notifications.claimAbandoned(1, 60_000, self, { confirmAfterMs: 0 })).toEqual([]);
  });

  it('cannot record an outcome once its lease was taken over: the token fences it off', async () => {
    await recordOwed(1);
    const [first] = await notifications.claimDue(1, 1, { workerId: 'frozen', incarnation: randomUUID() });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const alive = { workerId: 'alive', incarnation: randomUUID() };
    // The first look only notes the run-out lease; the next, once that is confirmed, takes the row.
    expect(await notifications.claimAbandoned(1, 60_000, alive, { confirmAfterMs: 60_000 })).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [second] = await notifications.claimAbandoned(1, 60_000, alive, { confirmAfterMs: 10 });
    expect(Number(second!.leaseToken)).toBeGreaterThan(Number(first!.leaseToken));

    // The frozen holder wakes up: its late marks and renewals change nothing.
    expect(await notifications.markSent(first!.id, first!.leaseToken)).toBe(false);
    expect(await notifications.markFailed(first!.id, first!.leaseToken, { error: 'late', failureClass: 'connection', retryInMs: 0 })).toBe(false);
    expect(await notifications.renewLease(first!.id, first!.leaseToken, 60_000)).toBe(false);
    expect(await statuses()).toEqual(['SENDING']);
    expect(await notifications.markSent(second!.id, second!.leaseToken)).toBe(true);
    expect(await statuses()).toEqual(['SENT']);
  });
});

describe('an e-mail owed from a stored payload', () => {
  it('when the payload holds the previous release\'s "1000.00" JPY or a code withdrawn since (HRK), then the e-mail is sent, the amount shown as stored or trimmed', async () => {
    await recordOwed(1, { amount: '1000.00', currency: 'JPY' });
    await recordOwed(1, { amount: '1000.00', currency: 'HRK' as PaymentConfirmed['currency'] });
    const shown: string[] = [];
    const sender = new RecordingSender(0);
    const send = sender.send.bind(sender);
    sender.send = async (email, options) => {
      shown.push(/<td>Amount<\/td><td><strong>([^<]*)</.exec(email.html)?.[1] ?? '');
      return send(email, options);
    };
    const { dispatcher: d, seen } = dispatcher(sender);
    await d.wake();
    await eventually('both sent', allSent);
    expect(shown.sort()).toEqual(['1000 JPY', '1000.00 HRK']);
    expect(seen.unrenderable).toEqual([]);
    await d.stop(1_000);
  });

  it('when the payload cannot make an e-mail at all, then it is UNDELIVERABLE (render) at once: nothing sent, counted once, never retried, never ambiguous', async () => {
    await recordOwed(1, { paymentMethod: 'CHEQUE' as PaymentConfirmed['paymentMethod'] });
    const sender = new RecordingSender(0);
    const { dispatcher: d, seen } = dispatcher(sender, { retryBaseMs: 1, retryMaxMs: 1 });
    await d.wake();
    await eventually('recorded undeliverable', async () => (await statuses()).includes('UNDELIVERABLE'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await d.wake({ abandoned: true });
    const [row] = await database.db('notifications').select('status', 'failure_class', 'last_error', 'attempts');
    expect(row).toMatchObject({ status: 'UNDELIVERABLE', failure_class: 'render' });
    expect(row.last_error).toMatch(/^cannot render the e-mail: /);
    expect(sender.sent).toHaveLength(0);
    expect(seen).toMatchObject({ unrenderable: [row.last_error], failed: 0, ambiguous: [] });
    await d.stop(1_000);
  });
});

describe('stopping', () => {
  it('lets sends in flight finish within the grace time, claims nothing more, and leaves a send still running leased (never due at once: its final "." may be out)', async () => {
    await recordOwed(3);
    const sender = new RecordingSender(10_000);
    const { dispatcher: d } = dispatcher(sender, { maxConcurrentSends: 2, leaseMs: 60_000, sendWindowMs: 50_000 });
    await d.wake();
    expect(await statuses()).toEqual(['SENDING', 'SENDING', 'PENDING']);
    const started = Date.now();
    await d.stop(300);
    expect(Date.now() - started).toBeLessThan(2_000);
    await d.wake({ abandoned: true });
    const rows = await database.db('notifications').select('status', 'lease_expires_at').orderBy('id');
    expect(rows.map((r: { status: string }) => r.status)).toEqual(['SENDING', 'SENDING', 'PENDING']);
    for (const row of rows.slice(0, 2)) expect(new Date(row.lease_expires_at).getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect(sender.sent).toHaveLength(0);

    // The sends it left running still record their outcome under their lease.
    sender.finishAll();
    await eventually('the two sends recorded', async () => (await statuses()).filter((s) => s === 'SENT').length === 2);
  });

  it('hands back, due at once, a row claimed while it was stopping', async () => {
    await recordOwed(1);
    const sender = new RecordingSender(0);
    const { dispatcher: d } = dispatcher(sender);
    const claiming = d.wake();
    await d.stop(1_000);
    await claiming;
    const [row] = await database.db('notifications').select('status', 'next_attempt_at');
    expect(row.status).toBe('FAILED');
    expect(new Date(row.next_attempt_at).getTime()).toBeLessThanOrEqual(Date.now());
    expect(sender.sent).toHaveLength(0);
  });
});
