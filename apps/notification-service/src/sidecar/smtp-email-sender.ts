// Sends e-mail through our sidecar's SMTP output binding. The SMTP server's
// address and credentials live in the component (components/email-binding.yaml),
// never here.
import { describeSidecarAnswer, type SidecarClient } from '@orderflow/service-kit';
import { UndeliverableEmail, type EmailSender } from '../domain/email-sender';
import type { Email } from '../domain/notification';

/**
 * The binding passes on the SMTP server's reply ("sending email failed: 501 ...",
 * or with Dapr's stock binding "... could not send email 1: 501 ..."). A 5xx reply
 * is permanent (RFC 5321 §4.2.1), as is an address the binding cannot parse;
 * anything else (4xx, no connection, a timeout) may pass on a later try.
 */
export function isPermanentSmtpFailure(answer: string): boolean {
  return /sending email failed: (?:gomail: could not send email \d+: )?5\d\d\b/.test(answer) || /gomail: invalid address/.test(answer);
}

export interface DaprSmtpEmailSenderOptions {
  bindingName: string;
  from: string;
  /** At most this many sends through the sidecar at once; see send(). Default 1. */
  maxConcurrentSends?: number;
}

export class DaprSmtpEmailSender implements EmailSender {
  private readonly maxConcurrentSends: number;
  private inFlight = 0;
  /** Sends waiting for a free place, first come first served. */
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly sidecar: SidecarClient,
    private readonly options: DaprSmtpEmailSenderOptions,
  ) {
    this.maxConcurrentSends = options.maxConcurrentSends ?? 1;
  }

  /**
   * Dapr 1.18's stock SMTP binding (components-contrib bindings/smtp,
   * mergeWithRequestMetadata) writes each request's metadata into the
   * component's one shared settings object before composing the message. Two
   * sends at once through such a sidecar can therefore swap recipients: one
   * customer's confirmation could go to another. So by default this app sends
   * one e-mail at a time, and every request sets every field it relies on.
   * orderflow's own sidecar build (dapr/daprd/smtp_binding.go) keeps requests
   * apart and sends over a pool of connections; beside it,
   * EMAIL_MAX_CONCURRENT_SENDS may be raised (dapr.yaml does).
   */
  async send(email: Email, context: { traceHeaders?: Record<string, string | undefined> } = {}): Promise<void> {
    if (this.inFlight >= this.maxConcurrentSends) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight += 1;
    try {
      await this.sendNow(email, context);
    } finally {
      // Hand the place straight to the next waiting send, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight -= 1;
    }
  }

  private async sendNow(email: Email, context: { traceHeaders?: Record<string, string | undefined> }): Promise<void> {
    const response = await this.sidecar.invokeBinding(
      this.options.bindingName,
      'create',
      email.html,
      { emailFrom: this.options.from, emailTo: email.to, subject: email.subject },
      { headers: context.traceHeaders },
    );
    if (response.status < 200 || response.status >= 300) {
      const answer = describeSidecarAnswer(response);
      if (isPermanentSmtpFailure(answer)) throw new UndeliverableEmail(`the SMTP server refused it for good: ${answer}`);
      throw new Error(`SMTP binding refused the e-mail: ${answer}`);
    }
  }
}
