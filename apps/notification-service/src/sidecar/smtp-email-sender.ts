// Sends e-mail through our sidecar's SMTP output binding. The SMTP server's
// address and credentials live in the component (components/email-binding.yaml),
// never here. One call is one attempt: the sidecar retries nothing (a retry
// layered on a send whose outcome is unknown is how e-mails went out twice);
// the dispatcher decides whether and when to try again.
import { describeSidecarAnswer, SidecarUnreachable, type DaprSidecar } from '@orderflow/service-kit';
import { EmailNotSent, type EmailSender, type SendOptions } from '../domain/email-sender';
import type { Email } from '../domain/notification';
import { classifySmtpFailure } from './smtp-failure';

export interface DaprSmtpEmailSenderOptions {
  bindingName: string;
  from: string;
  /**
   * How long one call may take at most. The binding's own per-step deadlines
   * (RFC 5321: minutes) and `completeBefore` end a send sooner; this only
   * bounds a sidecar that stopped answering altogether.
   */
  callTimeoutMs: number;
}

export class DaprSmtpEmailSender implements EmailSender {
  constructor(
    private readonly sidecar: DaprSidecar,
    private readonly options: DaprSmtpEmailSenderOptions,
  ) {}

  async send(email: Email, options: SendOptions): Promise<void> {
    let answer;
    try {
      answer = await this.sidecar.sendToBinding(
        this.options.bindingName,
        {
          operation: 'create',
          data: email.html,
          // Every field on every request: Dapr's stock binding keeps request metadata between requests.
          metadata: {
            emailFrom: this.options.from,
            emailTo: email.to,
            subject: email.subject,
            completeBefore: options.completeBefore.toISOString(),
          },
        },
        { headers: { traceparent: options.traceParent }, timeoutMs: this.options.callTimeoutMs, signal: options.signal },
      );
    } catch (error) {
      if (!(error instanceof SidecarUnreachable)) throw error;
      // Refused: the sidecar never saw the request. Anything else: it may have been mid-send.
      const refused = (error.cause as { code?: string } | undefined)?.code === 'ECONNREFUSED';
      throw new EmailNotSent(error.message, refused ? 'not-sent' : 'unknown', 'sidecar', false);
    }
    if (answer.ok) return;
    const described = describeSidecarAnswer(answer);
    const failure = classifySmtpFailure(described);
    if (failure) throw new EmailNotSent(described, failure.certainty, failure.failureClass, failure.permanent);
    // Not our binding's words: the sidecar refused the request itself (4xx: it never reached the binding),
    // or failed around it (5xx: a timeout, a crash) with the send's fate unknown.
    throw new EmailNotSent(described, answer.status < 500 ? 'not-sent' : 'unknown', 'sidecar', false);
  }
}
