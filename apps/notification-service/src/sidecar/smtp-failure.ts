// Reading a failed send from what our SMTP binding (dapr/daprd/smtp_binding.go)
// reports: the SMTP step that failed, whether the server can have taken the
// message, and its reply code. The binding writes them as tokens:
//   sending email failed: smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 smtp-enhanced=5.1.1 :: 550 5.1.1 no such user
import type { SendCertainty } from '../domain/email-sender';
import type { FailureClass } from '../domain/notification';

export interface SmtpFailure {
  certainty: SendCertainty;
  failureClass: FailureClass;
  permanent: boolean;
}

const TOKENS =
  /smtp-step=([A-Z]+) smtp-outcome=(not-sent|unknown)(?: smtp-reply=(\d{3}))?(?: smtp-enhanced=(\d\.\d{1,3}\.\d{1,3}))? :: (.*)$/s;

/**
 * Classifies a failed send by whom it concerns (RFC 5321 §4.2, RFC 3463).
 * Permanent only when the server refused this recipient: a 5xx reply to RCPT
 * whose enhanced code is an addressing or mailbox status (5.1.x, 5.2.x), or,
 * without one, a 550/551/553 that names the user or mailbox; or an address
 * the binding could not even parse. A 5xx anywhere else
 * (535 at AUTH after a password rotation, 530, a 550/554 relay refusal, 5.7.x
 * policy) concerns the server and every e-mail alike: it is retried.
 * Undefined when the text carries no tokens (not our binding's words).
 */
export function classifySmtpFailure(answer: string): SmtpFailure | undefined {
  const match = TOKENS.exec(answer);
  if (!match) return undefined;
  const [, step, outcome, reply, enhanced, text = ''] = match;
  const certainty = outcome as SendCertainty;
  const permanentReply = reply?.startsWith('5') === true;
  if (step === 'ADDRESS') return { certainty, failureClass: 'recipient', permanent: true };
  if (step === 'AUTH') return { certainty, failureClass: 'auth', permanent: false };
  if (step === 'STARTTLS' || (step === 'CONNECT' && /tls|certificate|x509/i.test(text))) return { certainty, failureClass: 'tls', permanent: false };
  if (step === 'RCPT' && permanentReply) {
    const policy = enhanced?.startsWith('5.7.') === true || /relay|authenticat/i.test(text);
    if (policy) return { certainty, failureClass: 'relay', permanent: false };
    // Without an enhanced code only the reply's words can tell: a mailbox or user
    // refused ("550 no such user", "553 mailbox name not allowed"), not a server
    // turning everyone away ("554 service unavailable; client host blocked").
    const recipientStatus =
      enhanced === undefined
        ? /^55[013]$/.test(reply ?? '') && /user|mailbox|recipient|address/i.test(text) && !/blocked|denied|unavailable/i.test(text)
        : /^5\.[12]\./.test(enhanced);
    return { certainty, failureClass: recipientStatus ? 'recipient' : 'server', permanent: recipientStatus };
  }
  if (enhanced?.startsWith('5.7.') === true || (/relay/i.test(text) && permanentReply)) return { certainty, failureClass: 'relay', permanent: false };
  if (reply !== undefined) return { certainty, failureClass: 'server', permanent: false };
  return { certainty, failureClass: 'connection', permanent: false };
}
