// Taking one delivery of a payment.confirmed event. Delivery is at least once
// (Kafka, the sidecar and our own crashes can all repeat it), so this only
// records the e-mail owed, once per event id and per payment id, and returns:
// the e-mail itself is sent by the dispatcher (dispatch-emails.ts), from the
// table, never while the sidecar waits on this delivery. So no redelivery,
// timeout or dead letter can send it twice or lose it.
import { createHash } from 'node:crypto';
import { PAYMENT_CONFIRMED_EVENT_TYPE, paymentConfirmedSchema } from '@orderflow/contracts';
import { fieldErrorsOf } from '@orderflow/service-kit/validation';
import { confirmationEmail } from './confirmation-email';
import type { NotificationRepository } from './notification-repository';

/**
 * recorded: a new e-mail is owed; duplicate: this event or payment was recorded
 * before; rejected: the event can never be processed (recorded as REJECTED).
 */
export type DeliveryOutcome =
  | { kind: 'recorded'; orderReference: string }
  | { kind: 'duplicate'; orderReference: string }
  | { kind: 'rejected'; reason: string };

interface Envelope {
  id?: unknown;
  type?: unknown;
  data?: unknown;
}

export async function recordPaymentConfirmed(
  delivery: unknown,
  deps: { notifications: NotificationRepository },
  context: { traceParent?: string | undefined } = {},
): Promise<DeliveryOutcome> {
  const envelope = (typeof delivery === 'object' && delivery !== null ? delivery : {}) as Envelope;
  // An event without an id still gets a stable one, so its rejection is recorded once.
  const eventId =
    typeof envelope.id === 'string' && envelope.id.length > 0 && envelope.id.length <= 200
      ? envelope.id
      : `sha256:${createHash('sha256').update(JSON.stringify(delivery ?? null)).digest('hex')}`;

  if (envelope.type !== PAYMENT_CONFIRMED_EVENT_TYPE) {
    const reason = `not a ${PAYMENT_CONFIRMED_EVENT_TYPE} event (type ${JSON.stringify(envelope.type)})`;
    await deps.notifications.recordRejected({ eventId, orderReference: null, reason, payload: delivery });
    return { kind: 'rejected', reason };
  }

  const parsed = paymentConfirmedSchema.safeParse(envelope.data);
  if (!parsed.success) {
    const reason = `does not match payment.confirmed v1: ${fieldErrorsOf(parsed.error, 'data')
      .map((error) => `${error.field} ${error.message}`)
      .join('; ')}`;
    const data = envelope.data as { orderReference?: unknown } | undefined;
    const orderReference = typeof data?.orderReference === 'string' ? data.orderReference.slice(0, 64) : null;
    await deps.notifications.recordRejected({ eventId, orderReference, reason, payload: delivery });
    return { kind: 'rejected', reason };
  }

  const payment = parsed.data;
  const email = confirmationEmail(payment);
  const recorded = await deps.notifications.record({
    eventId,
    paymentId: payment.paymentId,
    orderReference: payment.orderReference,
    recipient: email.to,
    subject: email.subject,
    payment,
    traceParent: context.traceParent,
  });
  return { kind: recorded, orderReference: payment.orderReference };
}
