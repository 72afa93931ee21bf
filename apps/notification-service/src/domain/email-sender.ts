import type { Email } from './notification';

/** The SMTP server refused the e-mail for good (a 5xx answer, e.g. a recipient it will never accept): retrying cannot help. */
export class UndeliverableEmail extends Error {
  override name = 'UndeliverableEmail';
}

export interface EmailSender {
  /**
   * Resolves once the SMTP server accepted the e-mail. Rejects with
   * UndeliverableEmail when it refused it for good, with any other error when
   * trying again later may work.
   */
  send(email: Email, context: { traceHeaders?: Record<string, string | undefined> }): Promise<void>;
}
