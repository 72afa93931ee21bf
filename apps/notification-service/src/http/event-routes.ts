// Deliveries from the sidecar. The route is named in the declarative
// Subscription (components/subscription-payment-topic.yaml); the answer's
// `status` tells the sidecar what to do with the message.
import type { Router } from 'express';
import { traceparentOf } from '@orderflow/contracts';
import { parseInput } from '@orderflow/service-kit';
import { z } from 'zod';
import { recordPaymentConfirmed, type DeliveryOutcome } from '../domain/record-payment-confirmed';
import type { NotificationRepository } from '../domain/notification-repository';
import type { NotificationMetrics } from '../metrics';

export const PAYMENT_CONFIRMED_ROUTE = '/events/payment-confirmed';

/** What the sidecar delivers: a CloudEvent, i.e. a JSON object; its content is judged by the use case. */
export const deliverySchema = z.looseObject({}).meta({ description: 'A CloudEvent 1.0 (structured mode)' });

/** Dapr's words for an outcome: SUCCESS (done), DROP (never deliver again: to the dead-letter topic). */
const DAPR_STATUS: Record<DeliveryOutcome['kind'], 'SUCCESS' | 'DROP'> = { recorded: 'SUCCESS', duplicate: 'SUCCESS', rejected: 'DROP' };

export function eventRoutes(deps: { notifications: NotificationRepository; metrics: NotificationMetrics; emailOwed: () => void }) {
  return (router: Router) => {
    router.post(PAYMENT_CONFIRMED_ROUTE, async (req, res) => {
      const delivery = parseInput(deliverySchema, req.body);
      // A database error throws: the answer is a 5xx, and the sidecar delivers again later (dapr/resiliency.yaml).
      const outcome = await recordPaymentConfirmed(delivery, deps, { traceParent: traceparentOf(req.header('traceparent')) });
      if (outcome.kind === 'recorded') deps.emailOwed();
      const status = DAPR_STATUS[outcome.kind];
      deps.metrics.deliveries.inc({ verdict: status });
      const eventId = (req.body as { id?: unknown } | undefined)?.id;
      if (outcome.kind === 'rejected') res.locals.log.warn({ eventId, verdict: status, reason: outcome.reason }, 'payment.confirmed rejected');
      else res.locals.log.info({ eventId, verdict: status, outcome: outcome.kind, orderReference: outcome.orderReference }, 'payment.confirmed recorded');
      res.status(200).json({ status });
    });
  };
}
