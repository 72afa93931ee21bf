import { getEventListeners } from 'node:events';
import type { OutboxEvent } from '../../src/domain/payment';
import type { Outbox, OutboxClaim, PendingOutboxEvent, PublishReport } from '../../src/domain/payment-repository';
import type { EventPublisher } from '../../src/domain/event-publisher';
import { OutboxRelay, publishInKeyOrder, relayBatch, relayOutbox, type RelayObserver } from '../../src/domain/relay-outbox';

let nextId = 0;
const event = (partitionKey: string): PendingOutboxEvent => {
  nextId += 1;
  return {
    id: String(nextId),
    topic: 'payment-topic',
    partitionKey,
    cloudEvent: {
      specversion: '1.0',
      id: `evt-${nextId}`,
      type: 'payment.confirmed',
      source: 'payment-service',
      subject: partitionKey,
      time: '2026-11-25T10:00:00.000Z',
      datacontenttype: 'application/json',
      dataschema: 'urn:orderflow:events:payment.confirmed:v1',
      data: {},
    },
  };
};

/** Publishes after a short wait, in the order it is called; refuses the event ids in `refuse`. */
function publisherRefusing(refuse: string[] = [], log: string[] = []): EventPublisher {
  return {
    async publish(published: OutboxEvent) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (refuse.includes(published.cloudEvent.id)) throw new Error(`refused ${published.cloudEvent.id}`);
      log.push(published.cloudEvent.id);
    },
  };
}

describe('publishing a batch', () => {
  it("publishes each order's events one after another, in the order they were recorded", async () => {
    const events = [event('ORD-A'), event('ORD-B'), event('ORD-A'), event('ORD-A')];
    const log: string[] = [];
    const report = await publishInKeyOrder(events, publisherRefusing([], log));

    const orderA = events.filter((e) => e.partitionKey === 'ORD-A').map((e) => e.cloudEvent.id);
    expect(log.filter((id) => orderA.includes(id))).toEqual(orderA);
    expect([...report.publishedIds].sort()).toEqual(events.map((e) => e.id).sort());
    expect(report.error).toBeUndefined();
  });

  it("holds back an order's later events when one fails, and goes on with the other orders", async () => {
    const [a1, a2, b1] = [event('ORD-A'), event('ORD-A'), event('ORD-B')];
    const report = await publishInKeyOrder([a1!, a2!, b1!], publisherRefusing([a1!.cloudEvent.id]));

    expect(report.publishedIds).toEqual([b1!.id]);
    expect(report.error).toBe(`refused ${a1!.cloudEvent.id}`);
  });
});

/** An outbox in memory that notes the order of claim, publish and record. */
function memoryOutbox(pending: PendingOutboxEvent[], steps: string[]) {
  const recorded: PublishReport[] = [];
  const outbox: Outbox = {
    async claim(limit) {
      const events = pending.splice(0, limit);
      steps.push(`claim ${events.length}`);
      return events.length ? { token: 't', events } : undefined;
    },
    async recordOutcome(_claim: OutboxClaim, report: PublishReport) {
      steps.push(`record ${report.publishedIds.length}`);
      recorded.push(report);
    },
    async lag() {
      return { unpublished: pending.length, oldestAgeSeconds: 0 };
    },
  };
  return { outbox, recorded };
}

describe('one relay round', () => {
  it('claims, then publishes, then records what went out and why the rest did not', async () => {
    const steps: string[] = [];
    const events = [event('ORD-A'), event('ORD-B')];
    const { outbox, recorded } = memoryOutbox([...events], steps);
    const publisher: EventPublisher = {
      async publish(published) {
        steps.push(`publish ${published.partitionKey}`);
        if (published.partitionKey === 'ORD-B') throw new Error('kafka down');
      },
    };

    expect(await relayBatch(outbox, publisher, { batchSize: 10, leaseMs: 60_000, publishDeadlineMs: 30_000 })).toBe(1);
    expect(steps).toEqual(['claim 2', 'publish ORD-A', 'publish ORD-B', 'record 1']);
    expect(recorded).toEqual([{ publishedIds: [events[0]!.id], error: 'kafka down' }]);
  });

  it('publishes and records nothing when there is nothing to claim', async () => {
    const steps: string[] = [];
    const { outbox } = memoryOutbox([], steps);
    expect(await relayBatch(outbox, publisherRefusing(), { batchSize: 10, leaseMs: 60_000, publishDeadlineMs: 30_000 })).toBe(0);
    expect(steps).toEqual(['claim 0']);
  });
});

describe('relaying the outbox', () => {
  it('goes round while rounds come back full, and stops at the first that falls short', async () => {
    const steps: string[] = [];
    const { outbox } = memoryOutbox(Array.from({ length: 5 }, () => event('ORD-C')), steps);
    expect(await relayOutbox(outbox, publisherRefusing(), { batchSize: 2, leaseMs: 60_000, publishDeadlineMs: 30_000 })).toBe(5);
    expect(steps).toEqual(['claim 2', 'record 2', 'claim 2', 'record 2', 'claim 1', 'record 1']);
  });
});

describe('a claim whose lease runs short', () => {
  it('starts no publish once less than one publish wait is left of the lease, and hands the rest back unattempted', async () => {
    const steps: string[] = [];
    const events = [event('ORD-D'), event('ORD-D'), event('ORD-D')];
    const { outbox, recorded } = memoryOutbox([...events], steps);
    let clock = 0;
    // Each publish takes 60 ms of a 200 ms lease whose publishes may take 100 ms: the last start is at 100 ms.
    const publisher: EventPublisher = {
      async publish(published) {
        steps.push(`publish ${published.cloudEvent.id} at ${clock}`);
        clock += 60;
      },
    };

    expect(await relayBatch(outbox, publisher, { batchSize: 10, leaseMs: 200, publishDeadlineMs: 100, now: () => clock })).toBe(2);
    expect(steps).toEqual(['claim 3', `publish ${events[0]!.cloudEvent.id} at 0`, `publish ${events[1]!.cloudEvent.id} at 60`, 'record 2']);
    expect(recorded).toEqual([{ publishedIds: [events[0]!.id, events[1]!.id], notStartedIds: [events[2]!.id] }]);
  });
});

describe('a relay that is stopped', () => {
  it('starts no publish after the stop, stops waiting for the one in flight, and hands both back with the rest', async () => {
    const steps: string[] = [];
    const events = [event('ORD-E'), event('ORD-E'), event('ORD-E')];
    const { outbox, recorded } = memoryOutbox([...events], steps);
    const stopping = new AbortController();
    const publisher: EventPublisher = {
      async publish(published) {
        steps.push(`publish ${published.cloudEvent.id}`);
        if (published.cloudEvent.id === events[1]!.cloudEvent.id) {
          stopping.abort();
          await new Promise(() => {}); // a publish that would outlast the shutdown's wait
        }
      },
    };

    expect(await relayOutbox(outbox, publisher, { batchSize: 3, leaseMs: 60_000, publishDeadlineMs: 30_000, signal: stopping.signal })).toBe(1);
    expect(steps).toEqual(['claim 3', `publish ${events[0]!.cloudEvent.id}`, `publish ${events[1]!.cloudEvent.id}`, 'record 1']);
    expect(recorded).toEqual([{ publishedIds: [events[0]!.id], notStartedIds: [events[1]!.id, events[2]!.id] }]);
  });

  it('claims no further round once stopped, though the last round came back full', async () => {
    const steps: string[] = [];
    const { outbox } = memoryOutbox(Array.from({ length: 5 }, () => event('ORD-F')), steps);
    const stopping = new AbortController();
    const publisher: EventPublisher = {
      async publish() {
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    };
    const relayed = relayOutbox(outbox, publisher, { batchSize: 2, leaseMs: 60_000, publishDeadlineMs: 30_000, signal: stopping.signal });
    // Stops once the first round's record is on its way.
    const record = outbox.recordOutcome.bind(outbox);
    outbox.recordOutcome = async (claim, report) => {
      stopping.abort();
      await record(claim, report);
    };

    expect(await relayed).toBe(2);
    expect(steps).toEqual(['claim 2', 'record 2']);
  });
});

describe('a relay that runs for as long as the service', () => {
  it('leaves no listener on the stop signal once a round is over', async () => {
    const { outbox } = memoryOutbox([event('ORD-G'), event('ORD-H')], []);
    const stopping = new AbortController();
    await relayOutbox(outbox, publisherRefusing(), { batchSize: 1, leaseMs: 60_000, publishDeadlineMs: 30_000, signal: stopping.signal });
    expect(getEventListeners(stopping.signal, 'abort')).toHaveLength(0);
  });
});

/** A publisher whose publishes wait until the test lets them go. */
function heldPublisher(steps: string[]) {
  let release = () => {};
  let held = new Promise<void>((resolve) => (release = resolve));
  const publisher: EventPublisher = {
    async publish(published) {
      steps.push(`publish ${published.partitionKey}`);
      await held;
    },
  };
  return {
    publisher,
    letGo: () => {
      release();
      held = Promise.resolve();
    },
  };
}

function observing() {
  const seen = { published: 0, errors: [] as unknown[] };
  const observer: RelayObserver = { published: (count) => (seen.published += count), error: (error) => seen.errors.push(error) };
  return { seen, observer };
}

const RELAY_SETTINGS = { batchSize: 10, leaseMs: 60_000, publishDeadlineMs: 30_000 };
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A log that keeps what the relay reports outside its rounds. */
function failureLog() {
  const reported: { details: object; message: string }[] = [];
  return { reported, log: { error: (details: object, message: string) => void reported.push({ details, message }) } };
}

/** The relay as start.ts has it once the sidecar answers. */
function startedRelay(deps: { outbox: Outbox; publisher: EventPublisher; observer: RelayObserver }, log = failureLog().log) {
  const relay = new OutboxRelay({ ...deps, log }, RELAY_SETTINGS);
  relay.start();
  return relay;
}

describe('the relay as the service runs it (ticked by the cron binding, woken by each payment)', () => {
  it('when a payment wakes it, relays at once; when a payment wakes it during a run, goes round once more for the new event', async () => {
    const steps: string[] = [];
    const pending = [event('ORD-K')];
    const { outbox } = memoryOutbox(pending, steps);
    const { publisher, letGo } = heldPublisher(steps);
    const { seen, observer } = observing();
    const relay = startedRelay({ outbox, publisher, observer });

    const run = relay.wake();
    await settle();
    expect(relay.relaying).toBe(true);
    pending.push(event('ORD-L'));
    const woken = relay.wake();
    letGo();

    expect(await run).toBe(2);
    expect(await woken).toBe(2); // the same run
    expect(steps).toEqual(['claim 1', 'publish ORD-K', 'record 1', 'claim 1', 'publish ORD-L', 'record 1']);
    expect(seen.published).toBe(2);
    expect(relay.relaying).toBe(false);
  });

  it('when a tick comes while a run goes on, starts no second run and claims nothing more', async () => {
    const steps: string[] = [];
    const pending = [event('ORD-M')];
    const { outbox } = memoryOutbox(pending, steps);
    const { publisher, letGo } = heldPublisher(steps);
    const relay = startedRelay({ outbox, publisher, observer: observing().observer });

    const first = relay.tick();
    await settle();
    pending.push(event('ORD-N'));
    const second = relay.tick();
    expect([first.started, second.started]).toEqual([true, false]);
    expect(await second.done).toBe(0);
    letGo();

    expect(await first.done).toBe(1);
    // ORD-N waits for the next tick: the tick that came during the run added nothing.
    expect(steps).toEqual(['claim 1', 'publish ORD-M', 'record 1']);
    const third = relay.tick();
    expect(third.started).toBe(true);
    expect(await third.done).toBe(1);
  });

  it('when stopped during a run, hands back what the run claimed and did not publish, and relays nothing after', async () => {
    const steps: string[] = [];
    const events = [event('ORD-P'), event('ORD-P')];
    const pending = [...events];
    const { outbox, recorded } = memoryOutbox(pending, steps);
    const { publisher } = heldPublisher(steps); // never let go: a publish that outlasts the shutdown's wait
    const relay = startedRelay({ outbox, publisher, observer: observing().observer });

    const run = relay.tick();
    await settle();
    await relay.stop();

    expect(await run.done).toBe(0);
    expect(recorded).toEqual([{ publishedIds: [], notStartedIds: [events[0]!.id, events[1]!.id] }]);
    pending.push(event('ORD-Q'));
    expect(relay.tick()).toMatchObject({ started: false, skipped: 'relay stopped' });
    expect(await relay.wake()).toBe(0);
    expect(steps).toEqual(['claim 2', 'publish ORD-P', 'record 0']);
  });

  it('when a run fails (the database is away), tells the observer and ends; the next tick runs again', async () => {
    const steps: string[] = [];
    const { outbox } = memoryOutbox([event('ORD-R')], steps);
    const claim = outbox.claim.bind(outbox);
    let down = true;
    outbox.claim = async (limit, leaseMs) => {
      if (down) throw new Error('connection refused');
      return claim(limit, leaseMs);
    };
    const { seen, observer } = observing();
    const relay = startedRelay({ outbox, publisher: publisherRefusing(), observer });

    relay.wake(); // a wake during the failing run does not make it go round again at once
    expect(await relay.wake()).toBe(0);
    expect(seen.errors).toHaveLength(1);
    expect(relay.relaying).toBe(false);

    down = false;
    expect(await relay.tick().done).toBe(1);
    expect(seen.published).toBe(1);
  });
});

describe('the relay before it starts and after it stops', () => {
  it('when not started (the sidecar does not answer yet), a tick answers "relay not started" and neither it nor a wake claims anything', async () => {
    const steps: string[] = [];
    const { outbox } = memoryOutbox([event('ORD-S')], steps);
    const relay = new OutboxRelay({ outbox, publisher: publisherRefusing(), observer: observing().observer, log: failureLog().log }, RELAY_SETTINGS);

    const tick = relay.tick();
    expect(tick).toMatchObject({ started: false, skipped: 'relay not started' });
    expect(await tick.done).toBe(0);
    expect(await relay.wake()).toBe(0);
    await settle();
    expect(steps).toEqual([]);
    expect(relay.relaying).toBe(false);

    relay.start();
    expect(await relay.tick().done).toBe(1);
  });

  it('stops in every state: never started, started and idle, stopped twice; a stopped relay answers "relay stopped", started or not', async () => {
    const steps: string[] = [];
    const { outbox } = memoryOutbox([event('ORD-T')], steps);
    const deps = { outbox, publisher: publisherRefusing(), observer: observing().observer, log: failureLog().log };

    const neverStarted = new OutboxRelay(deps, RELAY_SETTINGS);
    await neverStarted.stop();
    expect(neverStarted.tick()).toMatchObject({ started: false, skipped: 'relay stopped' });
    neverStarted.start(); // a late `started` after a SIGTERM does not bring it back
    expect(neverStarted.tick()).toMatchObject({ started: false, skipped: 'relay stopped' });
    expect(await neverStarted.wake()).toBe(0);

    const idle = startedRelay(deps);
    await idle.stop();
    await idle.stop();
    expect(idle.tick()).toMatchObject({ started: false, skipped: 'relay stopped' });
    expect(steps).toEqual([]);
  });
});

describe('a wake that comes as a run ends', () => {
  // The run's last look at `again` and the moment it lets go of `running` are some microtasks apart: a wake
  // between them joins the run (relaying is still true), so the run must go round once more for it.
  it('at whichever microtask it comes while the run is still under way, its event is relayed without a tick', async () => {
    for (let microtasks = 0; microtasks <= 12; microtasks += 1) {
      const steps: string[] = [];
      const pending: PendingOutboxEvent[] = [];
      const { outbox } = memoryOutbox(pending, steps);
      let releaseClaim = () => {};
      const claimHeld = new Promise<void>((resolve) => (releaseClaim = resolve));
      const claim = outbox.claim.bind(outbox);
      outbox.claim = async (limit, leaseMs) => {
        if (steps.length === 0) await claimHeld;
        return claim(limit, leaseMs);
      };
      const { seen, observer } = observing();
      const relay = startedRelay({ outbox, publisher: publisherRefusing(), observer });

      void relay.tick().done;
      await settle(); // the run waits on its (empty) claim
      releaseClaim();
      for (let i = 0; i < microtasks; i += 1) await Promise.resolve();
      const joined = relay.relaying;
      pending.push(event(`ORD-W${microtasks}`));
      void relay.wake();
      await settle();
      await settle();

      expect({ microtasks, joined, published: seen.published }).toEqual({ microtasks, joined, published: 1 });
      await relay.stop();
    }
  });
});

describe('a relay whose observer throws (a broken logger or metric)', () => {
  it('does not reject the run callers discard, reports it once through the log (with the run\'s own failure), and goes on relaying', async () => {
    const steps: string[] = [];
    const pending = [event('ORD-U')];
    const { outbox } = memoryOutbox(pending, steps);
    const observer: RelayObserver = {
      published: () => {
        throw new Error('metric broken');
      },
      error: () => {
        throw new Error('logger broken');
      },
    };
    const { reported, log } = failureLog();
    const relay = startedRelay({ outbox, publisher: publisherRefusing(), observer }, log);

    await expect(relay.wake()).resolves.toBe(1);
    expect(reported).toHaveLength(1);
    expect((reported[0]!.details as { err: Error }).err.message).toBe('metric broken');

    pending.push(event('ORD-V'));
    await expect(relay.tick().done).resolves.toBe(1);
    expect(reported).toHaveLength(2);

    outbox.claim = async () => {
      throw new Error('connection refused');
    };
    await expect(relay.tick().done).resolves.toBe(0);
    expect((reported[2]!.details as { err: Error }).err.message).toBe('logger broken');
    // What the run failed with is not lost with the observer that could not tell it.
    expect((reported[2]!.details as { runError: Error }).runError.message).toBe('connection refused');
    expect(relay.relaying).toBe(false);
  });
});
