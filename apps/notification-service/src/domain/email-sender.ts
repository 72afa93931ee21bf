import type { Email } from './notification';

export interface EmailSender {
  /** Resolves once the SMTP server accepted the e-mail; rejects with the reason otherwise. */
  send(email: Email, context: { traceHeaders?: Record<string, string | undefined> }): Promise<void>;
}
