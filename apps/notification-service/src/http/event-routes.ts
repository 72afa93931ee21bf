// Deliveries from the sidecar. The route is named in the declarative
// Subscription (components/subscription-payment-topic.yaml). It reads the
// CloudEvent envelope (the contracts' reader), hands the reading to the use
// case, and turns the use case's outcome into Dapr's words: the answer's
// `status` tells the sidecar what to do with the message.
import type { Router } from 'express';
import { PAYMENT_CONFIRMED_EVENT_TYPE, paymentConfirmedSchema, readCloudEvent, traceparentOf } from '@orderflow/contracts';
import { parseInput } from '@orderflow/service-kit';
import { recordPaymentConfirmed, type DeliveryOutcome } from '../domain/record-payment-confirmed';
import type { NotificationRepository } from '../domain/notification-repository';
import type { NotificationMetrics } from '../metrics';
import type { z } from 'zod';
import { deliverySchema, type deliveryVerdictSchema } from './notification-schemas';

export const PAYMENT_CONFIRMED_ROUTE = '/events/payment-confirmed';

/** Dapr's words for an outcome: SUCCESS (done), DROP (never deliver again: to the dead-letter topic). */
const DAPR_STATUS: Record<DeliveryOutcome['kind'], z.infer<typeof deliveryVerdictSchema>['status']> = { recorded: 'SUCCESS', duplicate: 'SUCCESS', rejected: 'DROP' };

export function eventRoutes(deps: { notifications: NotificationRepository; metrics: NotificationMetrics; emailOwed: () => void }) {
  return (router: Router) => {
    router.post(PAYMENT_CONFIRMED_ROUTE, async (req, res) => {
      const delivery = parseInput(deliverySchema, req.body);
      const reading = readCloudEvent(delivery, PAYMENT_CONFIRMED_EVENT_TYPE, paymentConfirmedSchema);
      // A database error throws: the answer is a 5xx, and the sidecar delivers again later (dapr/resiliency.yaml).
      const outcome = await recordPaymentConfirmed(reading, deps, { traceParent: traceparentOf(req.header('traceparent')) });
      if (outcome.kind === 'recorded') deps.emailOwed();
      const status = DAPR_STATUS[outcome.kind];
      deps.metrics.deliveries.inc({ verdict: status });
      const eventId = reading.kind === 'event' ? reading.event.id : reading.id;
      if (outcome.kind === 'rejected') res.locals.log.warn({ eventId, verdict: status, reason: outcome.reason }, 'payment.confirmed rejected');
      else res.locals.log.info({ eventId, verdict: status, outcome: outcome.kind, orderReference: outcome.orderReference }, 'payment.confirmed recorded');
      res.status(200).json({ status });
    });
  };
}
