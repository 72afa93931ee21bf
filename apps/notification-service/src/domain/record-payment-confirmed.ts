// Taking one delivery of a payment.confirmed event. Delivery is at least once
// (Kafka, the sidecar and our own crashes can all repeat it), so this only
// records the e-mail owed, once per event id and per payment id, and returns:
// the e-mail itself is sent by the dispatcher (dispatch-emails.ts), from the
// table, never while the sidecar waits on this delivery. So no redelivery,
// timeout or dead letter can send it twice or lose it. The envelope was read
// before (readCloudEvent, in the route): this decides what the reading means.
import { PAYMENT_CONFIRMED_EVENT_TYPE, type CloudEventReading, type PaymentConfirmed } from '@orderflow/contracts';
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

export async function recordPaymentConfirmed(
  reading: CloudEventReading<PaymentConfirmed>,
  deps: { notifications: NotificationRepository },
  context: { traceParent?: string | undefined } = {},
): Promise<DeliveryOutcome> {
  switch (reading.kind) {
    case 'unexpected_type': {
      const reason = `not a ${PAYMENT_CONFIRMED_EVENT_TYPE} event (type ${JSON.stringify(reading.type)})`;
      await deps.notifications.recordRejected({ eventId: reading.id, orderReference: null, reason, payload: reading.delivery });
      return { kind: 'rejected', reason };
    }
    case 'invalid_data': {
      const reason = `does not match payment.confirmed v1: ${fieldErrorsOf(reading.error, 'data')
        .map((error) => `${error.field} ${error.message}`)
        .join('; ')}`;
      const data = reading.data as { orderReference?: unknown } | undefined;
      const orderReference = typeof data?.orderReference === 'string' ? data.orderReference.slice(0, 64) : null;
      await deps.notifications.recordRejected({ eventId: reading.id, orderReference, reason, payload: reading.delivery });
      return { kind: 'rejected', reason };
    }
    case 'event': {
      const { id: eventId, data: payment } = reading.event;
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
  }
}
