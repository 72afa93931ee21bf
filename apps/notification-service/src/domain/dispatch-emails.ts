// Sending the e-mails owed, from the notifications table. A dispatcher claims
// due rows under a lease with a fencing token, sends each through the
// EmailSender, waits for the server's definitive answer however long the
// server takes (the binding applies RFC 5321's per-step timeouts), and records
// the outcome only while its token still holds the row. It sends again only
// when it is certain the previous attempt did not reach the server, or when
// nobody can know (the reply to the final "." was lost): the one window in
// which an e-mail can go out twice, counted by the `ambiguous` observer.
//
// Why a send taken over can never overlap the one before it: the holder gives
// the sidecar a deadline (`completeBefore`, claim + sendWindowMs) after which
// the message is abandoned unsent, and keeps renewing its lease while it
// waits. A lease runs for leaseMs > sendWindowMs, so by the time a lease can
// run out (its holder died or froze and stopped renewing) the holder's send has
// either been abandoned or was complete: only the lost-reply window remains.
// A lease seen run out is taken over only when it is still run out three
// renewals later: a holder that was merely cut off from the database (its
// lease ran out meanwhile) records its outcome or renews first.
// A holder's own successor (the same worker restarted: its sidecar abandoned
// the send when the dead process's connection closed) takes over at once.
import { confirmationEmail } from './confirmation-email';
import { EmailNotSent } from './email-sender';
import type { EmailSender } from './email-sender';
import type { Email } from './notification';
import type { Claimant, ClaimedNotification, NotificationRepository } from './notification-repository';

export interface DispatchOptions {
  /** E-mails in flight at once (claims are taken only for free places). */
  maxConcurrentSends: number;
  /** How long a claim holds a row without renewal; longer than sendWindowMs. */
  leaseMs: number;
  /** How long after its claim a send may still hand the server the complete message. */
  sendWindowMs: number;
  /** Backoff after a failed attempt: retryBaseMs doubling per attempt, at most retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  claimant: Claimant;
}

/** What the dispatcher tells the app about (metrics, logs). */
export interface DispatchObserver {
  sent(notification: ClaimedNotification): void;
  failed(notification: ClaimedNotification, failure: EmailNotSent, retryInMs: number): void;
  undeliverable(notification: ClaimedNotification, failure: EmailNotSent): void;
  /** The stored payment could not make an e-mail: nothing was sent, and nothing will be without an operator. */
  unrenderable(notification: ClaimedNotification, reason: string): void;
  /** An attempt whose outcome nobody can know: the e-mail may reach the customer twice. */
  ambiguous(notification: ClaimedNotification, why: 'reply-lost' | 'holder-gone'): void;
  /** This dispatcher's lease on a row was taken from it (it could not renew in time). */
  leaseLost(notification: ClaimedNotification): void;
  /** A pass or a record failed (the database is away); it is tried again. */
  error(error: unknown, what: string): void;
}

/** How often a holder renews its lease while its send runs. */
export function renewalIntervalMs(leaseMs: number): number {
  return Math.max(1_000, Math.min(10_000, Math.floor(leaseMs / 4)));
}

export function emailRetryDelayMs(attempts: number, options: Pick<DispatchOptions, 'retryBaseMs' | 'retryMaxMs'>): number {
  return Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class EmailDispatcher {
  private inFlight = 0;
  private passRunning = false;
  private passAgain = false;
  private abandonedAgain = false;
  private stopped = false;
  private readonly sends = new Set<Promise<void>>();

  constructor(
    private readonly deps: { notifications: NotificationRepository; email: EmailSender; observer: DispatchObserver },
    private readonly options: DispatchOptions,
  ) {
    if (options.leaseMs <= options.sendWindowMs) throw new Error('leaseMs must be longer than sendWindowMs');
  }

  /** E-mails being sent right now. */
  get sending(): number {
    return this.inFlight;
  }

  /**
   * Claims and sends what is due, as far as there are free places. With
   * `abandoned`, also takes over rows whose holder is gone (the periodic tick
   * and start-up ask for that; a new delivery only needs the due rows).
   */
  wake(options: { abandoned?: boolean } = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.passRunning) {
      this.passAgain = true;
      this.abandonedAgain ||= options.abandoned === true;
      return Promise.resolve();
    }
    return this.pass(options.abandoned === true);
  }

  private async pass(abandoned: boolean): Promise<void> {
    this.passRunning = true;
    try {
      let includeAbandoned = abandoned;
      do {
        this.passAgain = false;
        const free = this.options.maxConcurrentSends - this.inFlight;
        if (free <= 0) break; // a finishing send wakes us
        const { claimant, leaseMs } = this.options;
        let claimed = 0;
        if (includeAbandoned) {
          claimed += await this.claimAndSend(() =>
            this.deps.notifications.claimAbandoned(free, leaseMs, claimant, { confirmAfterMs: 3 * renewalIntervalMs(leaseMs) }),
          );
        }
        if (claimed < free && !this.stopped) {
          claimed += await this.claimAndSend(() => this.deps.notifications.claimDue(free - claimed, leaseMs, claimant));
        }
        includeAbandoned = this.abandonedAgain;
        this.abandonedAgain = false;
        // A full batch may have left more behind.
        if (claimed === free) this.passAgain = true;
      } while (this.passAgain && !this.stopped);
    } catch (error) {
      this.deps.observer.error(error, 'claiming due e-mails');
    } finally {
      this.passRunning = false;
    }
  }

  /**
   * One claim, then a send per row claimed. The send window counts from before
   * the claim (this machine's clock, which the sidecar shares), so it always
   * ends before the lease can. Rows claimed while stopping are handed back.
   */
  private async claimAndSend(claim: () => Promise<ClaimedNotification[]>): Promise<number> {
    const completeBefore = new Date(Date.now() + this.options.sendWindowMs);
    const claimed = await claim();
    for (const notification of claimed) {
      if (this.stopped) await this.handBack(notification);
      else this.startSend(notification, completeBefore);
    }
    return claimed.length;
  }

  /** A row claimed but never sent: due again at once, for whoever comes next. */
  private async handBack(notification: ClaimedNotification): Promise<void> {
    await this.deps.notifications
      .markFailed(notification.id, notification.leaseToken, { error: 'claimed while stopping; not sent', failureClass: 'sidecar', retryInMs: 0 })
      .catch((error: unknown) => this.deps.observer.error(error, 'handing back an unsent e-mail'));
  }

  private startSend(notification: ClaimedNotification, completeBefore: Date): void {
    this.inFlight += 1;
    const abort = new AbortController();
    const sending = { recording: false };
    const renewal = setInterval(() => void this.renew(notification, abort, sending), renewalIntervalMs(this.options.leaseMs));
    const send = this.send(notification, completeBefore, abort, sending).finally(() => {
      clearInterval(renewal);
      this.sends.delete(send);
      this.inFlight -= 1;
      void this.wake();
    });
    this.sends.add(send);
  }

  private async renew(notification: ClaimedNotification, abort: AbortController, sending: { recording: boolean }): Promise<void> {
    try {
      const held = await this.deps.notifications.renewLease(notification.id, notification.leaseToken, this.options.leaseMs);
      // Once the outcome is being recorded, a renewal that finds the row released is no loss.
      if (!held && !abort.signal.aborted && !sending.recording) {
        this.deps.observer.leaseLost(notification);
        abort.abort(new Error('lease lost'));
      }
    } catch (error) {
      // The lease has room for several missed renewals (leaseMs / 4 apart).
      this.deps.observer.error(error, 'renewing a lease');
    }
  }

  private async send(
    notification: ClaimedNotification,
    completeBefore: Date,
    abort: AbortController,
    sending: { recording: boolean },
  ): Promise<void> {
    const { notifications, email, observer } = this.deps;
    // Rendered before anything is sent, so a payload that cannot make an e-mail is
    // no send failure (nothing left us) and never retried: every attempt would fail
    // the same way, and as an unknown failure it would be retried forever, each
    // time counted as possibly sent twice.
    let message: Email;
    try {
      message = confirmationEmail(notification.payment);
    } catch (error) {
      sending.recording = true;
      const reason = `cannot render the e-mail: ${error instanceof Error ? error.message : String(error)}`;
      const recorded = await this.recordOutcome(notification, () =>
        notifications.markUndeliverable(notification.id, notification.leaseToken, { error: reason, failureClass: 'render' }),
      );
      if (recorded) observer.unrenderable(notification, reason);
      return;
    }
    if (notification.takenOver) observer.ambiguous(notification, 'holder-gone');
    let failure: EmailNotSent | undefined;
    try {
      await email.send(message, {
        traceParent: notification.traceParent ?? undefined,
        completeBefore,
        signal: abort.signal,
      });
    } catch (error) {
      failure =
        error instanceof EmailNotSent
          ? error
          : new EmailNotSent(error instanceof Error ? error.message : String(error), 'unknown', 'sidecar', false);
    }
    sending.recording = true;
    if (!failure) {
      if (await this.recordOutcome(notification, () => notifications.markSent(notification.id, notification.leaseToken))) {
        observer.sent(notification);
      }
      return;
    }
    if (failure.certainty === 'unknown') observer.ambiguous(notification, 'reply-lost');
    if (failure.permanent) {
      const recorded = await this.recordOutcome(notification, () =>
        notifications.markUndeliverable(notification.id, notification.leaseToken, { error: failure.message, failureClass: failure.failureClass }),
      );
      if (recorded) observer.undeliverable(notification, failure);
      return;
    }
    const retryInMs = emailRetryDelayMs(notification.attempts, this.options);
    const recorded = await this.recordOutcome(notification, () =>
      notifications.markFailed(notification.id, notification.leaseToken, { error: failure.message, failureClass: failure.failureClass, retryInMs }),
    );
    if (recorded) observer.failed(notification, failure, retryInMs);
  }

  /**
   * Records an outcome, trying again while the database is away (the lease,
   * renewed meanwhile, keeps others off the row): an e-mail sent but not
   * recorded as sent would be sent again. False when the lease was lost.
   */
  private async recordOutcome(notification: ClaimedNotification, record: () => Promise<boolean>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const held = await record();
        if (!held) this.deps.observer.leaseLost(notification);
        return held;
      } catch (error) {
        // Soon after the database is back: the holder records before anyone may take the row over.
        this.deps.observer.error(error, 'recording an outcome');
        await sleep(Math.min(1_000, 100 * 2 ** attempt));
      }
    }
  }

  /**
   * Stops claiming, and lets the sends in flight finish for up to `graceMs`.
   * A send still running then is left as it is: when this process exits its
   * sidecar drops the unfinished message, and the row, still leased, goes to
   * this worker's successor at once or to another worker once the lease has
   * run out. Marking it due at once instead could send twice an e-mail whose
   * final "." was already out.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    const deadline = Date.now() + graceMs;
    while ((this.passRunning || this.sends.size > 0) && Date.now() < deadline) {
      await Promise.race([Promise.all([...this.sends]), sleep(Math.min(200, Math.max(1, deadline - Date.now())))]);
    }
  }
}
