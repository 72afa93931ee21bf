// notification-service's API as an OpenAPI 3.1 document, from the schemas its routes validate with.
import { buildOpenApiDocument, standardOperations } from '@orderflow/service-kit';
import { z } from 'zod';
import { PAYMENT_CONFIRMED_ROUTE } from './event-routes';
import { DISPATCH_ROUTE } from './dispatch-routes';
import {
  deliverySchema,
  deliveryVerdictSchema,
  dispatchTickAnswerSchema,
  listNotificationsQuerySchema,
  notificationViewSchema,
  rearmAnswerSchema,
  rearmRequestSchema,
} from './notification-schemas';

export const notificationServiceOpenApi = buildOpenApiDocument(
  {
    title: 'notification-service',
    version: '1.0.0',
    description:
      'E-mails customers when their payment is confirmed. Events arrive from the sidecar (subscription to payment-topic); reads through /v1.0/invoke/notification-service/method/notifications.',
  },
  [
    {
      method: 'get',
      path: '/notifications',
      operationId: 'listNotifications',
      summary: 'The notifications of an order, with status and attempts',
      tags: ['notifications'],
      query: listNotificationsQuerySchema,
      responses: { 200: { description: 'Notifications', schema: z.object({ items: z.array(notificationViewSchema) }) } },
    },
    {
      method: 'post',
      path: '/notifications/rearm',
      operationId: 'rearmUndeliverable',
      summary: 'An operator sends UNDELIVERABLE e-mails again (of one order, or all)',
      tags: ['operations'],
      body: rearmRequestSchema,
      responses: { 200: { description: 'How many e-mails are due again', schema: rearmAnswerSchema } },
    },
    {
      method: 'post',
      path: DISPATCH_ROUTE,
      operationId: 'dispatchEmails',
      summary: 'The cron binding\'s tick: send what is due, take over what was abandoned',
      tags: ['internal'],
      responses: { 200: { description: 'Dispatching', schema: dispatchTickAnswerSchema } },
    },
    {
      method: 'post',
      path: PAYMENT_CONFIRMED_ROUTE,
      operationId: 'deliverPaymentConfirmed',
      summary: 'A payment.confirmed CloudEvent, delivered by the sidecar (any JSON is accepted and judged)',
      tags: ['internal'],
      body: deliverySchema,
      bodyContentType: 'application/cloudevents+json',
      responses: {
        200: {
          description: 'The verdict for the sidecar: SUCCESS (recorded; the e-mail is sent from the table), DROP (to the dead-letter topic)',
          schema: deliveryVerdictSchema,
        },
      },
    },
    ...standardOperations(),
  ],
);
