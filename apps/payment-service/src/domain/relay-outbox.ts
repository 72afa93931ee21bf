// The outbox relay: hands committed events to the sidecar and marks them sent,
// in three steps, none of which holds a row lock across I/O: claim a batch (a
// short statement that gives the rows a lease), publish them (no transaction
// open), record what went out (a short transaction). Other relays (replicas)
// skip rows under a live claim, so in normal operation each event is published
// once. If a relay dies between publishing and recording, its claim runs out and
// another relay publishes the event again, with the same CloudEvent id:
// consumers dedupe by event id, so the effect is once; an event is never lost.
// Events of one order (one partition key) go out one after another, in the
// order they were recorded, and a key whose event failed holds back its later
// events; different orders go out side by side. That order holds within a
// claim; two replicas could split one key's events between their claims, as
// they could split their locked batches before (payment-service records one
// event per order today, so no key has two).
import type { EventPublisher } from './event-publisher';
import type { Outbox, PendingOutboxEvent, PublishReport } from './payment-repository';

export interface RelayOptions {
  /** Events claimed per round. */
  batchSize: number;
  /**
   * How long a claim keeps other relays off its events: at least twice the
   * wait for one publish (config.ts), or another relay may publish an event
   * again while the first is still at it (harmless, same event id, but wasted).
   */
  leaseMs: number;
  /**
   * The relay's wait for one publish (PUBLISH_DEADLINE_MS). A claim covers many
   * publishes but its lease only so long: no publish starts later than
   * leaseMs − publishDeadlineMs after the claim, so every publish ends while the
   * claim still holds; the rest of the claim is released for the next round.
   */
  publishDeadlineMs: number;
  /**
   * Aborted when the service stops: no round and no publish starts after it, a
   * publish still in flight is no longer waited for, and what the claim did not
   * publish is released at once, so another relay (the next pod) takes it
   * without waiting for the lease. A publish cut short may still go out; the
   * relay that takes it over publishes it again with the same event id.
   */
  signal?: AbortSignal;
  /** The clock the lease budget is measured by (tests). */
  now?: () => number;
}

const CUT_SHORT = Symbol('cut short');

/**
 * Resolves with CUT_SHORT as soon as `signal` aborts (at once if it has),
 * otherwise never; `dispose` takes the listener off the signal, which lives as
 * long as the service.
 */
function abortOf(signal: AbortSignal | undefined): { aborted: Promise<typeof CUT_SHORT>; dispose: () => void } {
  let onAbort = () => {};
  const aborted = new Promise<typeof CUT_SHORT>((resolve) => {
    onAbort = () => resolve(CUT_SHORT);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  return { aborted, dispose: () => signal?.removeEventListener('abort', onAbort) };
}

/**
 * Publishes each key's events one after another, different keys side by side.
 * `mayStart` is asked before each publish: once it says no, that key's
 * remaining events are left (notStartedIds), not failed.
 */
export async function publishInKeyOrder(
  events: PendingOutboxEvent[],
  publisher: EventPublisher,
  control: { mayStart?: () => boolean; signal?: AbortSignal } = {},
): Promise<PublishReport> {
  const byKey = new Map<string, PendingOutboxEvent[]>();
  for (const event of events) byKey.set(event.partitionKey, [...(byKey.get(event.partitionKey) ?? []), event]);

  const publishedIds: string[] = [];
  const notStartedIds: string[] = [];
  const errors: string[] = [];
  const { aborted, dispose } = abortOf(control.signal);
  await Promise.all(
    [...byKey.values()].map(async (sameKey) => {
      for (const [index, event] of sameKey.entries()) {
        if (control.signal?.aborted || (control.mayStart && !control.mayStart())) {
          notStartedIds.push(...sameKey.slice(index).map((left) => left.id));
          return;
        }
        try {
          if ((await Promise.race([publisher.publish(event), aborted])) === CUT_SHORT) {
            notStartedIds.push(...sameKey.slice(index).map((left) => left.id));
            return;
          }
          publishedIds.push(event.id);
        } catch (error) {
          errors.push(error instanceof Error ? error.message : String(error));
          return; // later events of this key wait for the next round
        }
      }
    }),
  ).finally(dispose);
  const report: PublishReport = { publishedIds };
  if (notStartedIds.length) report.notStartedIds = notStartedIds;
  if (errors.length) report.error = errors[0];
  return report;
}

/** One round: claim, publish (while the lease leaves room and the relay is not stopping), record. Returns how many events went out. */
export async function relayBatch(outbox: Outbox, publisher: EventPublisher, options: RelayOptions): Promise<number> {
  if (options.signal?.aborted) return 0;
  const now = options.now ?? Date.now;
  // Read before the claim: the lease may start a little later, never earlier.
  const claimedAt = now();
  const claim = await outbox.claim(options.batchSize, options.leaseMs);
  if (!claim) return 0;
  const lastStart = claimedAt + options.leaseMs - options.publishDeadlineMs;
  const report = await publishInKeyOrder(claim.events, publisher, { mayStart: () => now() <= lastStart, signal: options.signal });
  await outbox.recordOutcome(claim, report);
  return report.publishedIds.length;
}

/**
 * Relays until the outbox is empty, a round falls short of a full batch, or
 * the relay is stopped; returns how many went out.
 */
export async function relayOutbox(outbox: Outbox, publisher: EventPublisher, options: RelayOptions): Promise<number> {
  let total = 0;
  while (!options.signal?.aborted) {
    const published = await relayBatch(outbox, publisher, options);
    total += published;
    if (published < options.batchSize) break;
  }
  return total;
}

/** What the relay tells the app about (metrics, logs). */
export interface RelayObserver {
  published(count: number): void;
  /** A round failed (the database is away); the next tick tries again. */
  error(error: unknown): void;
}

/** Where the relay reports what went wrong outside a round: an observer that threw. */
export interface RelayFailureLog {
  error(details: object, message: string): void;
}

/** Why a tick started no run (the route answers it). */
export type TickSkipped = 'relay not started' | 'relay stopped' | 'previous relay run still going';

/**
 * The relay as the service runs it, driven like notification-service's
 * dispatcher: the Dapr cron binding `outbox-relay` ticks it (http/relay-routes.ts),
 * picking up what an earlier round could not publish, and a new payment wakes it
 * at once so its event does not wait for the tick. One run at a time: a tick
 * while a run is under way adds nothing (the next tick comes soon), a wake
 * makes the run go round once more, for the event just recorded. Stopping
 * aborts the run: what it claimed and did not publish is handed back at once.
 *
 * It is built paused: the app listens before its sidecar answers, and a tick or
 * a wake in that window would publish through a sidecar that is not there, and
 * would not be stopped by a SIGTERM that comes before start-up ends. start()
 * (the service's `started`, once the sidecar answers) lets it run; until then
 * ticks and wakes run nothing. A run never rejects: callers discard it (`void`),
 * and an unhandled rejection would end the process.
 */
export class OutboxRelay {
  private running: Promise<number> | undefined;
  private again = false;
  private paused = true;
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: { outbox: Outbox; publisher: EventPublisher; observer: RelayObserver; log: RelayFailureLog },
    private readonly options: Omit<RelayOptions, 'signal'>,
  ) {}

  /** True while a run is under way. */
  get relaying(): boolean {
    return this.running !== undefined;
  }

  /** The sidecar answers: ticks and wakes run from now on (after stop(), still nothing runs). */
  start(): void {
    this.paused = false;
  }

  /**
   * The cron binding's tick: starts a run unless the relay is not started, is
   * stopped or is already running (`skipped` says which); `done` resolves with
   * how many events the run it started published (0 when it started none).
   */
  tick(): { started: true; done: Promise<number> } | { started: false; skipped: TickSkipped; done: Promise<number> } {
    const skipped = this.stopped ? 'relay stopped' : this.paused ? 'relay not started' : this.running ? 'previous relay run still going' : undefined;
    if (skipped) return { started: false, skipped, done: Promise.resolve(0) };
    return { started: true, done: this.run() };
  }

  /** A new event was recorded: relays now, or right after the run under way (nothing before start()). */
  wake(): Promise<number> {
    if (this.stopped || this.paused) return Promise.resolve(0);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    return this.run();
  }

  /** In any state: no run starts after it; the run under way hands back what it claimed and did not publish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.running;
  }

  private run(): Promise<number> {
    const run = this.relayWhileWoken()
      .catch((error: unknown) => {
        this.report(error);
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        // A wake that came after the loop's last look at `again`, before this: its event must not wait for the tick.
        if (this.again && !this.stopped) void this.run();
      });
    this.running = run;
    return run;
  }

  private async relayWhileWoken(): Promise<number> {
    let total = 0;
    do {
      this.again = false;
      try {
        const published = await relayOutbox(this.deps.outbox, this.deps.publisher, { ...this.options, signal: this.stopping.signal });
        total += published;
        if (published > 0) this.tell(() => this.deps.observer.published(published));
      } catch (error) {
        // Not round again at once: the database is away, and the next tick is soon.
        this.tell(() => this.deps.observer.error(error), error);
        this.again = false;
        break;
      }
    } while (this.again && !this.stopped);
    return total;
  }

  /** Tells the observer; one that throws (a broken logger or metric) is reported, and the relay goes on. */
  private tell(observe: () => void, runError?: unknown): void {
    try {
      observe();
    } catch (error) {
      this.report(error, runError);
    }
  }

  /** `runError`: what the run failed with, when telling the observer about it is what failed. */
  private report(error: unknown, runError?: unknown): void {
    try {
      this.deps.log.error(
        runError === undefined ? { err: error } : { err: error, runError },
        'outbox relay: reporting on a run failed; the relay goes on',
      );
    } catch {
      // The log itself throws: nothing is left to tell, and the relay must not stop for it.
    }
  }
}
