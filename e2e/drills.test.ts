// Drills: real faults on the real processes of the running stack, each under a
// stream of orders (e2e/support/drill.ts). Whatever the fault, once it is over
// every accepted order must end PAID, with exactly one payment and exactly one
// e-mail, nothing left PAYMENT_PENDING or unsent, no client left without an
// answer, and nobody stepping in (no dead-letter replay, no operator command).
// Each records how long recovery took in .local/test-results/drills.json.
//
// The faults go through the launcher's control channel (tools/devstack/lib/control.mjs):
// a process frozen, killed (the launcher's supervisor restarts it, as Kubernetes
// would), PostgreSQL restarted, a second instance of every service, and an SMTP
// proxy in front of MailDev that delays replies or refuses logins.
import fs from 'node:fs';
import path from 'node:path';
import { control, controlAvailable } from './support/control';
import { eventually, http, invoke, sidecarUrl, uniqueCustomer } from './support/stack';
import { asCustomer } from './support/tokens';
import { orderServiceSidecar, runDrill, sleep, summary, type DrillResult, type OrderEntryPoint, type OrderStream } from './support/drill';

jest.setTimeout(8 * 60_000);

/** What every drill asserts once its fault is over. */
function expectRecovered(result: DrillResult) {
  process.stdout.write(`${summary(result)}\n`);
  // Each broken promise in words (an order with 2 e-mails, one stuck PAYMENT_PENDING, ...).
  expect(result.problems).toEqual([]);
  expect(result.duplicates).toBe(0);
  expect(result.emailsSent).toBe(result.emailsExpected);
  expect(result.ordersSaved).toBeGreaterThan(0);
  expect(result.recovered).toBe(true);
}

/**
 * A slow SMTP server, so that a kill finds e-mails being sent: every reply 250 ms
 * late, except the one to a message's final "." (a kill then lands before the
 * server has the message, not in the one window no design can close: the
 * connection lost between the final "." and the server's reply).
 */
const SLOW_SMTP = { mode: 'delay', delayMs: 250, endOfData: false } as const;

/** A drill whose fault missed what it aims at proves nothing: it fails, saying so (not as a broken promise). */
function expectFaultHit(hit: boolean, what: string) {
  if (!hit) throw new Error(`the fault missed its aim: ${what}; the drill would prove nothing`);
}

/** Puts back whatever a drill that failed half-way may have left: a frozen process, a misbehaving SMTP proxy. */
async function restoreStack() {
  await control.setSmtp({ mode: 'pass' });
  for (const name of ['maildev', 'payment-service', 'order-service', 'notification-service']) {
    const found = (await control.processes()).find((p) => p.name === name);
    if (found?.alive) await control.signal(name, 'SIGCONT');
  }
}

const PROCESS_FILE = path.resolve(__dirname, '../.local/run/processes.json');
const recordedPid = (name: string): number | undefined =>
  (JSON.parse(fs.readFileSync(PROCESS_FILE, 'utf8')) as { processes: Record<string, { pid: number }> }).processes[name]?.pid;

/** SIGKILLs a supervised app and waits until the launcher has it running again. */
async function killAndAwaitRestart(name: string) {
  const before = await control.process(name);
  const startedAt = Date.now();
  await control.signal(name, 'SIGKILL');
  const after = await control.restarted(name, before.pid!);
  return { startedAt, endedAt: startedAt, notes: { restartedAfterMs: Date.now() - startedAt, restarts: after.restarts, pid: after.pid } };
}

/** Events a sidecar has handed its app from payment-topic (Dapr's own metric, on the sidecar's metrics port). */
async function deliveriesThrough(metricsPort: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('dapr_component_pubsub_ingress_count{') && line.includes('topic="payment-topic"'))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  } catch {
    return 0;
  }
}

/** Orders whose first request went out in [from, to) and got no answer with the order: cut off by the fault. */
const cutOff = (stream: OrderStream, from: number, to: number) =>
  stream.orders.filter((order) => {
    const first = order.attempts[0];
    return order.placedAt >= from && order.placedAt < to && first !== undefined && !(first.status !== null && first.status >= 200 && first.status < 300);
  }).length;

beforeAll(() => {
  if (!controlAvailable) throw new Error('the drills need the launcher\'s control channel: run them through npm test (npm test -- e2e e2e/drills.test.ts)');
});
afterEach(restoreStack);

describe('the launcher\'s control channel', () => {
  it('answers only with its token, and lists every process of the stack with the pid processes.json holds', async () => {
    const refused = await fetch(`${process.env.ORDERFLOW_CONTROL_URL}/processes`);
    expect(refused.status).toBe(401);
    const processes = await control.processes();
    for (const name of ['order-service', 'order-service-daprd', 'payment-service', 'notification-service', 'maildev', 'postgres']) {
      const found = processes.find((p) => p.name === name);
      expect(found).toMatchObject({ alive: true });
      expect(recordedPid(name)).toBe(found!.pid);
    }
    expect(processes.find((p) => p.name === 'notification-service')).toMatchObject({ supervised: true, tier: 'app' });
  });
});

describe('the launcher\'s supervisor', () => {
  it('restarts a sidecar killed with SIGKILL, which gets its mTLS certificate from Sentry again and takes calls by app-id', async () => {
    const before = await control.process('payment-service-daprd');
    await control.signal('payment-service-daprd', 'SIGKILL');
    const after = await control.restarted('payment-service-daprd', before.pid!);
    expect(after.restarts).toBeGreaterThan(before.restarts);
    expect(recordedPid('payment-service-daprd')).toBe(after.pid);
    await eventually(
      'the restarted sidecar healthy',
      async () => ((await http('GET', `${sidecarUrl('payment-service')}/v1.0/healthz`).catch(() => undefined))?.status === 204 ? true : undefined),
      60_000,
    );
    // order-service's sidecar reaches it over mTLS only if it holds a certificate for payment-service again
    // (the first call may find the old connection gone: an order then waits as 202, and the next is tried).
    const placed = await eventually(
      'an order paid through the restarted sidecar',
      async () => {
        const customer = uniqueCustomer();
        const answer = await invoke(
          'order-service',
          'order-service',
          'POST',
          'orders',
          { customer, items: [{ productId: 'drill-0', name: 'Smoke alarm', quantity: 1, unitPrice: '19.00' }], currency: 'EUR', paymentMethod: 'VISA' },
          asCustomer(customer.id),
        );
        if (answer.status === 201) return answer;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return undefined;
      },
      30_000,
    );
    expect(placed.body.status).toBe('PAID');
  });
});

describe('drills: under a stream of orders, once the fault is over, every order is PAID once and mailed once, with nobody stepping in', () => {
  it('(a) when the SMTP server freezes for 40 s, no e-mail is lost or sent twice', async () => {
    const result = await runDrill({
      name: '(a) SMTP server frozen 40 s',
      fault: 'MailDev stopped with SIGSTOP for 40 s (connections accepted, nothing answered), then SIGCONT',
      ratePerSecond: 1,
      leadInMs: 5_000,
      tailMs: 5_000,
      recoveryDeadlineMs: 120_000,
      stage: async () => {
        const startedAt = Date.now();
        await control.signal('maildev', 'SIGSTOP');
        await sleep(40_000);
        await control.signal('maildev', 'SIGCONT');
        return { startedAt, endedAt: Date.now() };
      },
    });
    expectRecovered(result);
  });

  it('(b) when every SMTP reply comes 15 s late for a minute, no e-mail is lost or sent twice', async () => {
    const result = await runDrill({
      name: '(b) every SMTP reply 15 s late for 60 s',
      fault: 'the SMTP proxy holds every reply of the server 15 s, for 60 s; replies already held keep their delay',
      ratePerSecond: 0.5,
      leadInMs: 5_000,
      tailMs: 5_000,
      recoveryDeadlineMs: 150_000,
      stage: async () => {
        const startedAt = Date.now();
        await control.setSmtp({ mode: 'delay', delayMs: 15_000 });
        await sleep(60_000);
        const status = await control.setSmtp({ mode: 'pass' });
        return { startedAt, endedAt: Date.now(), notes: { repliesDelayed: status.repliesDelayed } };
      },
    });
    expectRecovered(result);
  });

  it('(c) when the SMTP server refuses every login for 30 s, then accepts again, every e-mail still goes out once', async () => {
    const result = await runDrill({
      name: '(c) SMTP refusing AUTH for 30 s',
      fault: 'the SMTP proxy answers every AUTH with 535 5.7.8 for 30 s and drops the connections open when it starts, then passes logins again',
      ratePerSecond: 1,
      leadInMs: 5_000,
      tailMs: 5_000,
      recoveryDeadlineMs: 120_000,
      stage: async () => {
        const startedAt = Date.now();
        const before = await control.smtp();
        await control.setSmtp({ mode: 'refuse-auth' });
        await sleep(30_000);
        const status = await control.setSmtp({ mode: 'pass' });
        return { startedAt, endedAt: Date.now(), notes: { loginsRefused: status.authRefused - before.authRefused } };
      },
    });
    expectFaultHit(Number(result.notes.loginsRefused) > 0, 'no login reached the proxy while it refused them');
    expectRecovered(result);
  });

  it('(d) when notification-service is killed while it sends, the launcher restarts it and every e-mail still goes out once', async () => {
    const result = await runDrill({
      name: '(d) notification-service SIGKILLed mid-stream',
      fault:
        'notification-service SIGKILLed while e-mails are being sent (the SMTP server answers each step 250 ms late, all but the reply to the final ".", so the kill finds sends under way, before their last line; at the kill every final "." is held back from the server); the launcher restarts it',
      ratePerSecond: 2,
      leadInMs: 6_000,
      tailMs: 8_000,
      recoveryDeadlineMs: 120_000,
      prepare: async () => {
        await control.setSmtp(SLOW_SMTP);
      },
      stage: async () => {
        // Mid-send, never after the server took a message not yet recorded (see (h)): the final "."
        // of every send is held back, the sends answered before get 2 s to record their outcome.
        await control.setSmtp({ ...SLOW_SMTP, holdEndOfData: true });
        await sleep(2_000);
        const { transactionsInFlight, endOfDataHeld } = await control.smtp();
        const killed = await killAndAwaitRestart('notification-service');
        // Its sidecar closed the dead app's SMTP connections (the requests ended): their "." never goes out.
        await control.setSmtp(SLOW_SMTP);
        return { ...killed, notes: { ...killed.notes, sendsUnderWayAtKill: transactionsInFlight, finalDotsHeldAtKill: endOfDataHeld } };
      },
      cleanUp: async () => {
        await control.setSmtp({ mode: 'pass' });
      },
    });
    expect(recordedPid('notification-service')).toBe(result.notes.pid);
    expectRecovered(result);
  });

  it('(e) when order-service is killed between saving orders and recording their payment, no order is left pending and every client gets its answer', async () => {
    const result = await runDrill({
      name: '(e) order-service SIGKILLed between saving an order and recording its outcome',
      fault:
        'payment-service frozen (SIGSTOP) for 1.5 s so that orders are saved and wait on their payment, order-service SIGKILLed, payment-service thawed 0.3 s later; the launcher restarts order-service',
      ratePerSecond: 2,
      leadInMs: 5_000,
      tailMs: 8_000,
      recoveryDeadlineMs: 120_000,
      stage: async (stream) => {
        const orderService = await control.process('order-service');
        const startedAt = Date.now();
        await control.signal('payment-service', 'SIGSTOP');
        await sleep(1_500);
        const killedAt = Date.now();
        await control.signal('order-service', 'SIGKILL');
        await sleep(300);
        await control.signal('payment-service', 'SIGCONT');
        const restarted = await control.restarted('order-service', orderService.pid!);
        return { startedAt, endedAt: killedAt, notes: { restartedAfterMs: Date.now() - killedAt, restarts: restarted.restarts } };
      },
      // Requests sent while payment-service was frozen and not answered: their orders were saved, their outcome not.
      measure: (stream, fault) => ({ requestsCutOff: cutOff(stream, fault.startedAt, fault.endedAt) }),
      cleanUp: async () => {
        await control.signal('payment-service', 'SIGCONT').catch(() => undefined);
      },
    });
    expectFaultHit(
      Number(result.notes.requestsCutOff) > 0,
      'no request was cut off between saving its order and recording the payment (payment-service frozen 1.5 s, then order-service killed)',
    );
    expectRecovered(result);
  });

  it('(f) when payment-service is killed mid-stream, the launcher restarts it and every order is paid once', async () => {
    const result = await runDrill({
      name: '(f) payment-service SIGKILLed and restarted',
      fault: 'payment-service SIGKILLed under the stream; the launcher restarts it',
      ratePerSecond: 2,
      leadInMs: 5_000,
      tailMs: 8_000,
      recoveryDeadlineMs: 120_000,
      stage: () => killAndAwaitRestart('payment-service'),
    });
    expectRecovered(result);
  });

  const postgresSkip = process.env.ORDERFLOW_POSTGRES_RESTART_SKIP;
  (postgresSkip ? it.skip : it)(
    `(g) when PostgreSQL restarts, every order is still paid once and mailed once${postgresSkip ? ` (skipped: ${postgresSkip})` : ''}`,
    async () => {
      const result = await runDrill({
        name: '(g) PostgreSQL restarted',
        fault: 'the project\'s PostgreSQL stopped (fast shutdown: every connection closed), down for 5 s, then started again',
        ratePerSecond: 2,
        leadInMs: 5_000,
        tailMs: 8_000,
        recoveryDeadlineMs: 120_000,
        stage: async () => {
          const startedAt = Date.now();
          const restart = await control.restartPostgres(5_000);
          return { startedAt, endedAt: Date.now(), notes: { ...restart } };
        },
      });
      expectRecovered(result);
    },
  );

  it('(h) with two instances of every service, each beside its own sidecar, when one of each is killed, the others finish all the work', async () => {
    const extra: Record<string, { name: string; ports: { httpPort: number; metricsPort: number } }> = {};
    const result = await runDrill({
      name: '(h) two instances of each service, one of each SIGKILLed',
      fault:
        'a second instance of each service with its own sidecar (notification-service#2 joins mid-stream, a consumer-group rebalance); then the second instance of each, app and sidecar, SIGKILLed at once and not restarted, while every final "." is held back from the server (no send is taken as its sender dies); SMTP replies 250 ms late throughout (but the reply to the final ".")',
      ratePerSecond: 2,
      leadInMs: 4_000,
      tailMs: 8_000,
      // An e-mail notification-service#2 was sending when it died is taken over once its lease
      // (EMAIL_SEND_LEASE_MS, 70 s in dapr.yaml) has run out and is still run out three renewals later.
      recoveryDeadlineMs: 180_000,
      prepare: async (): Promise<OrderEntryPoint[]> => {
        await control.setSmtp(SLOW_SMTP);
        for (const service of ['order-service', 'payment-service']) extra[service] = await control.startInstance(service);
        return [orderServiceSidecar, { name: extra['order-service']!.name, baseUrl: `http://127.0.0.1:${extra['order-service']!.ports.httpPort}` }];
      },
      stage: async (stream) => {
        const notifications = await control.startInstance('notification-service');
        extra['notification-service'] = notifications;
        // It has taken over its share of the partitions (the rebalance is done) and works on events when it dies.
        const joined = Date.now();
        let deliveries = 0;
        while (deliveries < 3 && Date.now() - joined < 30_000) {
          await sleep(500);
          deliveries = await deliveriesThrough(notifications.ports.metricsPort);
        }
        await sleep(1_500);
        // The kill lands mid-send, never after the server took a message whose outcome its sender
        // had yet to record: that window (the reply to "." lost with its client) no design closes,
        // and "is sent again, and counted as ambiguous" stages it on purpose. So the final "." of
        // every send is held back from the server, and the sends answered before have 2 s to record.
        await control.setSmtp({ ...SLOW_SMTP, holdEndOfData: true });
        await sleep(2_000);
        const startedAt = Date.now();
        const { transactionsInFlight, endOfDataHeld } = await control.smtp();
        // The load balancer stops sending to the lost instance.
        stream.setEntryPoints([orderServiceSidecar]);
        await Promise.all(Object.values(extra).map((instance) => control.stopInstance(instance.name, 'SIGKILL')));
        // The survivors' held "." go to the server now; the dead instance's sends were never taken.
        await control.setSmtp(SLOW_SMTP);
        return {
          startedAt,
          endedAt: startedAt,
          notes: {
            killed: Object.values(extra).map((i) => i.name),
            sendsUnderWayAtKill: transactionsInFlight,
            finalDotsHeldAtKill: endOfDataHeld,
            eventsToSecondNotificationService: deliveries,
            secondNotificationServiceUpMs: Date.now() - joined,
          },
        };
      },
      measure: (stream) => ({ ordersThroughSecond: stream.orders.filter((order) => order.attempts.some((a) => a.through.endsWith('#2'))).length }),
      cleanUp: async () => {
        await control.setSmtp({ mode: 'pass' });
        for (const instance of Object.values(extra)) await control.stopInstance(instance.name).catch(() => undefined);
      },
    });
    // Each second instance had work when it died.
    expectFaultHit(Number(result.notes.ordersThroughSecond) > 0, 'no order went through order-service#2');
    expectFaultHit(Number(result.notes.eventsToSecondNotificationService) > 0, 'notification-service#2 was given no event in 30 s (no rebalance)');
    expectRecovered(result);
  });
});
