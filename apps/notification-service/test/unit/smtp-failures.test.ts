import { classifySmtpFailure } from '../../src/sidecar/smtp-failure';

/** What daprd answers when our SMTP binding fails, as describeSidecarAnswer renders it. */
const answer = (tokens: string) =>
  `500 ERR_INVOKE_OUTPUT_BINDING error invoking output binding email: error from smtp binding, sending email failed: ${tokens}`;

describe('telling whom a failed send concerns', () => {
  it.each([
    ['a mailbox that does not exist', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 smtp-enhanced=5.1.1 :: 550 5.1.1 <x@example.com>: no such user'],
    ['a disabled mailbox', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 smtp-enhanced=5.2.1 :: 550 5.2.1 mailbox disabled'],
    ['a recipient refused without an enhanced code', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=553 :: 553 mailbox name not allowed'],
    ['an unknown user without an enhanced code', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 :: 550 <x@example.com>: user unknown'],
    ['an address that cannot be parsed', 'smtp-step=ADDRESS smtp-outcome=not-sent :: invalid address "To": mail: no angle-addr'],
  ])('gives up on %s: the server refused this recipient for good', (_what, tokens) => {
    expect(classifySmtpFailure(answer(tokens))).toEqual({ certainty: 'not-sent', failureClass: 'recipient', permanent: true });
  });

  it.each([
    ['535 after a password rotation', 'smtp-step=AUTH smtp-outcome=not-sent smtp-reply=535 smtp-enhanced=5.7.8 :: 535 5.7.8 bad credentials', 'auth'],
    ['530 authentication required', 'smtp-step=MAIL smtp-outcome=not-sent smtp-reply=530 smtp-enhanced=5.7.0 :: 530 5.7.0 authentication required', 'relay'],
    ['a relay refusal at RCPT (550 5.7.1)', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 smtp-enhanced=5.7.1 :: 550 5.7.1 relaying denied', 'relay'],
    ['a relay refusal without an enhanced code', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=554 :: 554 relay access denied', 'relay'],
    ['a server refusing the whole transaction (554 at the greeting)', 'smtp-step=GREETING smtp-outcome=not-sent smtp-reply=554 :: 554 no SMTP service here', 'server'],
    ['a 5xx to RCPT about the system, not the mailbox', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 smtp-enhanced=5.4.4 :: 550 5.4.4 unable to route', 'server'],
    ['a server turning every client away at RCPT, without an enhanced code', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=554 :: 554 Service unavailable; Client host [10.0.0.1] blocked', 'server'],
    ['an access refusal at RCPT, without an enhanced code', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 :: 550 Access denied', 'server'],
    ['a greylisting 451', 'smtp-step=RCPT smtp-outcome=not-sent smtp-reply=451 smtp-enhanced=4.7.1 :: 451 4.7.1 greylisted, try later', 'server'],
    ['a temporary 421', 'smtp-step=MAIL smtp-outcome=not-sent smtp-reply=421 :: 421 service not available', 'server'],
    ['a refused connection', 'smtp-step=CONNECT smtp-outcome=not-sent :: dial tcp 127.0.0.1:1025: connect: connection refused', 'connection'],
    ['a server without STARTTLS while TLS is required', 'smtp-step=STARTTLS smtp-outcome=not-sent :: server does not offer STARTTLS and requireTLS is on', 'tls'],
    ['a stalled greeting', 'smtp-step=GREETING smtp-outcome=not-sent :: read tcp: i/o timeout', 'connection'],
  ])('retries %s: it concerns the server or the way to it, not the recipient', (_what, tokens, failureClass) => {
    expect(classifySmtpFailure(answer(tokens))).toEqual({ certainty: 'not-sent', failureClass, permanent: false });
  });

  it('knows that a reply lost after the final "." leaves the outcome unknown', () => {
    expect(classifySmtpFailure(answer('smtp-step=END smtp-outcome=unknown :: read tcp 127.0.0.1:1025: i/o timeout'))).toEqual({
      certainty: 'unknown',
      failureClass: 'connection',
      permanent: false,
    });
  });

  it('does not guess from words that are not our binding’s tokens', () => {
    expect(classifySmtpFailure('500 ERR_INVOKE_OUTPUT_BINDING context deadline exceeded')).toBeUndefined();
    expect(classifySmtpFailure(answer('gomail: could not send email 1: 550 mailbox unavailable'))).toBeUndefined();
  });
});
