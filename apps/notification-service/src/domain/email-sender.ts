import type { Email, FailureClass } from './notification';

/**
 * What a failed send leaves us knowing. `not-sent`: certain the server did not
 * take the e-mail (it failed before the message was complete, or the server
 * refused it), so sending again cannot duplicate it. `unknown`: the message
 * was complete but no definitive reply came back (the connection was lost
 * after the final "."), or we lost sight of the sidecar mid-call: the server
 * may have taken it. That is the one window in which a resend can duplicate.
 */
export type SendCertainty = 'not-sent' | 'unknown';

export class EmailNotSent extends Error {
  override name = 'EmailNotSent';
  constructor(
    message: string,
    readonly certainty: SendCertainty,
    readonly failureClass: FailureClass,
    /** The server refused this recipient for good: sending again cannot help. */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface SendOptions {
  /** The W3C traceparent of the event the e-mail answers, so the send joins its trace. */
  traceParent?: string | undefined;
  /**
   * The server must have the complete message before this moment, or the send
   * is abandoned unsent. It bounds how long a lease holder's send can reach the
   * server, so a send taken over after the lease ran out cannot overlap it.
   */
  completeBefore: Date;
  /** Aborts the send (the lease was lost). */
  signal?: AbortSignal;
}

export interface EmailSender {
  /** Resolves once the SMTP server accepted the e-mail; rejects with EmailNotSent otherwise. */
  send(email: Email, options: SendOptions): Promise<void>;
}
