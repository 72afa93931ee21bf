// Handling one delivery of a payment.confirmed event. Delivery is at least
// once (Kafka, the sidecar and our own crashes can all repeat it); the e-mail
// goes out once: the notification row is unique per event id and per payment
// id, and only the holder of the row's claim sends.
import { createHash } from 'node:crypto';
import { PAYMENT_CONFIRMED_EVENT_TYPE, paymentConfirmedSchema } from '@orderflow/contracts';
import { fieldErrorsOf } from '@orderflow/service-kit';
import { confirmationEmail } from './confirmation-email';
import { UndeliverableEmail, type EmailSender } from './email-sender';
import type { NotificationRepository } from './notification-repository';

/**
 * What the sidecar is told: SUCCESS (done), RETRY (deliver again later), DROP
 * (never deliver again: the sidecar moves it to the dead-letter topic); and
 * whether this delivery sent the e-mail, failed to, or did not try.
 */
export type DeliveryVerdict = { status: 'SUCCESS' | 'RETRY' | 'DROP'; reason: string; email: 'sent' | 'failed' | 'none' };

export interface HandlerDeps {
  notifications: NotificationRepository;
  email: EmailSender;
  claimTimeoutMs: number;
}

interface Envelope {
  id?: unknown;
  type?: unknown;
  data?: unknown;
}

export async function handlePaymentConfirmed(
  delivery: unknown,
  deps: HandlerDeps,
  context: { traceHeaders?: Record<string, string | undefined> } = {},
): Promise<DeliveryVerdict> {
  const envelope = (typeof delivery === 'object' && delivery !== null ? delivery : {}) as Envelope;
  // An event without an id still gets a stable one, so its rejection is recorded once.
  const eventId =
    typeof envelope.id === 'string' && envelope.id.length > 0 && envelope.id.length <= 200
      ? envelope.id
      : `sha256:${createHash('sha256').update(JSON.stringify(delivery ?? null)).digest('hex')}`;

  if (envelope.type !== PAYMENT_CONFIRMED_EVENT_TYPE) {
    const reason = `not a ${PAYMENT_CONFIRMED_EVENT_TYPE} event (type ${JSON.stringify(envelope.type)})`;
    await deps.notifications.recordRejected({ eventId, orderReference: null, reason, payload: delivery });
    return { status: 'DROP', reason, email: 'none' };
  }

  const parsed = paymentConfirmedSchema.safeParse(envelope.data);
  if (!parsed.success) {
    const reason = `does not match payment.confirmed v1: ${fieldErrorsOf(parsed.error, 'data')
      .map((error) => `${error.field} ${error.message}`)
      .join('; ')}`;
    const data = envelope.data as { orderReference?: unknown } | undefined;
    const orderReference = typeof data?.orderReference === 'string' ? data.orderReference.slice(0, 64) : null;
    await deps.notifications.recordRejected({ eventId, orderReference, reason, payload: delivery });
    return { status: 'DROP', reason, email: 'none' };
  }

  const payment = parsed.data;
  const email = confirmationEmail(payment);
  const claim = await deps.notifications.recordAndClaim(
    {
      eventId,
      paymentId: payment.paymentId,
      orderReference: payment.orderReference,
      recipient: email.to,
      subject: email.subject,
    },
    deps.claimTimeoutMs,
  );
  if (!claim.claimed) {
    if (claim.status === 'SENT') return { status: 'SUCCESS', reason: 'already sent (duplicate delivery)', email: 'none' };
    if (claim.status === 'UNDELIVERABLE') return { status: 'DROP', reason: 'the SMTP server refused it for good before', email: 'none' };
    // Another delivery of the same payment is sending right now: ask again later, by then it is SENT.
    return { status: 'RETRY', reason: `another delivery holds the e-mail (${claim.status})`, email: 'none' };
  }

  try {
    await deps.email.send(email, context);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof UndeliverableEmail) {
      // Retrying would only hold up the events behind this one: record it, dead-letter it.
      await deps.notifications.markUndeliverable(payment.paymentId, reason);
      return { status: 'DROP', reason: `undeliverable: ${reason}`, email: 'failed' };
    }
    await deps.notifications.markFailed(payment.paymentId, reason);
    return { status: 'RETRY', reason: `sending failed: ${reason}`, email: 'failed' };
  }
  await deps.notifications.markSent(payment.paymentId);
  return { status: 'SUCCESS', reason: 'sent', email: 'sent' };
}
