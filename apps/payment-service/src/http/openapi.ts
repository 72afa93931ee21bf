// payment-service's API as an OpenAPI 3.1 document, from the schemas its routes validate with.
import { paymentRequestSchema, paymentSchema } from '@orderflow/contracts';
import { asyncApiOperation, buildOpenApiDocument, standardOperations } from '@orderflow/service-kit';
import { z } from 'zod';
import { listPaymentsQuerySchema, paymentIdParamSchema, relayTickAnswerSchema } from './payment-schemas';
import { RELAY_ROUTE } from './relay-routes';

export const paymentServiceOpenApi = buildOpenApiDocument(
  {
    title: 'payment-service',
    version: '1.0.0',
    description:
      'Records payments (an append-only audit trail) and announces each on payment-topic. Reach it through a Dapr sidecar: /v1.0/invoke/payment-service/method/payments.',
  },
  [
    {
      method: 'post',
      path: '/payments',
      operationId: 'recordPayment',
      summary: 'Record the payment of an order (at most one per order reference)',
      tags: ['payments'],
      body: paymentRequestSchema,
      responses: {
        201: { description: 'Recorded; payment.confirmed will be published', schema: paymentSchema },
        200: { description: 'Already recorded with the same amount and currency: the same payment', schema: paymentSchema },
      },
      problems: ['conflict'],
    },
    {
      method: 'get',
      path: '/payments/{id}',
      operationId: 'getPayment',
      summary: 'One payment',
      tags: ['payments'],
      params: paymentIdParamSchema,
      responses: { 200: { description: 'The payment', schema: paymentSchema } },
      problems: ['not_found'],
    },
    {
      method: 'get',
      path: '/payments',
      operationId: 'listPayments',
      summary: 'The payments of an order',
      tags: ['payments'],
      query: listPaymentsQuerySchema,
      responses: { 200: { description: 'Payments', schema: z.object({ items: z.array(paymentSchema) }) } },
    },
    {
      method: 'post',
      path: RELAY_ROUTE,
      operationId: 'relayOutbox',
      summary: "The cron binding's tick: publish the events that wait in the outbox",
      tags: ['internal'],
      responses: { 200: { description: 'A relay run started, or none did (the relay is not started yet or is stopped, or the previous run still goes on)', schema: relayTickAnswerSchema } },
    },
    ...standardOperations(),
    asyncApiOperation,
  ],
);
