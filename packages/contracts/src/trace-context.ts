// The W3C trace context header that services store beside what they record
// (payment-service's outbox, notification-service's e-mails), so a later
// publish or send stays in the same trace.

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/**
 * The traceparent header when it is one (55 characters of lowercase hex and
 * dashes), else undefined. Not a 400: W3C Trace Context has a receiver that
 * cannot parse the header start a new trace, and a bad one must never reach a
 * column sized for a good one.
 */
export function traceparentOf(header: string | undefined): string | undefined {
  return header !== undefined && TRACEPARENT.test(header) ? header : undefined;
}
