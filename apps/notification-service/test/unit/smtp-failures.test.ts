import { isPermanentSmtpFailure } from '../../src/sidecar/smtp-email-sender';

describe('telling a permanent SMTP failure from one worth retrying', () => {
  it.each([
    '500 ERR_INVOKE_OUTPUT_BINDING error invoking output binding email: error from smtp binding, sending email failed: gomail: could not send email 1: 501 "Error: Bad recipient address syntax"',
    '500 ERR_INVOKE_OUTPUT_BINDING error invoking output binding email: error from smtp binding, sending email failed: 550 mailbox unavailable',
    '500 ERR_INVOKE_OUTPUT_BINDING error invoking output binding email: gomail: invalid address "To": mail: no angle-addr',
  ])('gives up on %p', (answer) => {
    expect(isPermanentSmtpFailure(answer)).toBe(true);
  });

  it.each([
    '500 ERR_INVOKE_OUTPUT_BINDING error invoking output binding email: error from smtp binding, sending email failed: 421 try again later',
    '500 ERR_INVOKE_OUTPUT_BINDING error invoking output binding email: error from smtp binding, sending email failed: dial tcp 127.0.0.1:1025: connect: connection refused',
    '500 ERR_INVOKE_OUTPUT_BINDING context deadline exceeded',
  ])('retries %p', (answer) => {
    expect(isPermanentSmtpFailure(answer)).toBe(false);
  });
});
