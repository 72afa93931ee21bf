// order-service's API as an OpenAPI 3.1 document, from the schemas its routes validate with.
import { buildOpenApiDocument, standardOperations } from '@orderflow/service-kit';
import { z } from 'zod';
import {
  idempotencyHeaderSchema,
  listOrdersQuerySchema,
  orderPageSchema,
  orderReferenceParamSchema,
  orderViewSchema,
  pendingOrderViewSchema,
  placeOrderSchema,
} from './order-schemas';

const sweepReportSchema = z.union([
  z.object({ tried: z.int(), paid: z.int(), stillPending: z.int(), rejected: z.int(), leaseLost: z.int() }),
  z.object({ skipped: z.string() }),
]);

export const orderServiceOpenApi = buildOpenApiDocument(
  {
    title: 'order-service',
    version: '1.0.0',
    description:
      'Takes orders and has payment-service charge them. Reach it through a Dapr sidecar: POST /v1.0/invoke/order-service/method/orders.',
  },
  [
    {
      method: 'post',
      path: '/orders',
      operationId: 'placeOrder',
      summary: 'Place an order; it is saved, then charged through payment-service',
      tags: ['orders'],
      headers: idempotencyHeaderSchema,
      body: placeOrderSchema,
      responses: {
        201: { description: 'Saved and paid (also the replayed answer to a repeated Idempotency-Key)', schema: orderViewSchema },
        202: { description: 'Saved; payment is slow or down and will be completed automatically', schema: pendingOrderViewSchema },
      },
      problems: ['conflict', 'unprocessable', 'too_many_requests', 'upstream_error'],
    },
    {
      method: 'get',
      path: '/orders/{reference}',
      operationId: 'getOrder',
      summary: 'One order by its reference',
      tags: ['orders'],
      params: orderReferenceParamSchema,
      responses: { 200: { description: 'The order', schema: orderViewSchema } },
      problems: ['not_found'],
    },
    {
      method: 'get',
      path: '/orders',
      operationId: 'listOrders',
      summary: "A page of orders, newest first (optionally one customer's)",
      tags: ['orders'],
      query: listOrdersQuerySchema,
      responses: { 200: { description: 'A page; pass nextCursor back as cursor for the next one', schema: orderPageSchema } },
    },
    {
      method: 'post',
      path: '/payment-retry-sweep',
      operationId: 'sweepPendingPayments',
      summary: 'Charge pending orders that are due (called by the sidecar’s cron binding)',
      tags: ['internal'],
      responses: { 200: { description: 'What the sweep did', schema: sweepReportSchema } },
    },
    ...standardOperations(),
  ],
);
