// order-service's API as an OpenAPI 3.1 document, from the schemas its routes validate with.
import { buildOpenApiDocument, standardOperations, type OperationSpec } from '@orderflow/service-kit';
import {
  idempotencyHeaderSchema,
  listOrdersQuerySchema,
  orderPageSchema,
  orderReferenceParamSchema,
  orderViewSchema,
  pendingOrderViewSchema,
  placeOrderSchema,
  sweepReportSchema,
} from './order-schemas';

const CALLERS =
  'Callers: a customer with a bearer token (JWT) from the customers\' identity provider, acting on their own orders; ' +
  'or, through Dapr only, a trusted service named in SERVICE_CALLERS (identified by its mTLS identity), acting for any customer.';

/** The order routes: what customers (and trusted services) call. */
const customerOperations: OperationSpec[] = [
  {
    method: 'post',
    path: '/orders',
    operationId: 'placeOrder',
    summary: 'Place an order; it is saved, then charged through payment-service',
    tags: ['orders'],
    security: 'bearer',
    headers: idempotencyHeaderSchema,
    body: placeOrderSchema,
    responses: {
      201: { description: 'Saved and paid (also the replayed answer to a repeated Idempotency-Key)', schema: orderViewSchema },
      202: { description: 'Saved; payment is slow or down and will be completed automatically', schema: pendingOrderViewSchema },
    },
    problems: ['forbidden', 'conflict', 'unprocessable', 'too_many_requests', 'upstream_error', 'unavailable'],
  },
  {
    method: 'get',
    path: '/orders/{reference}',
    operationId: 'getOrder',
    summary: "One order by its reference (a customer's own only: another customer's is 404)",
    tags: ['orders'],
    security: 'bearer',
    params: orderReferenceParamSchema,
    responses: { 200: { description: 'The order', schema: orderViewSchema } },
    problems: ['not_found', 'too_many_requests', 'unavailable'],
  },
  {
    method: 'get',
    path: '/orders',
    operationId: 'listOrders',
    summary: "A page of the caller's orders, newest first (a service names the customer in customerId)",
    tags: ['orders'],
    security: 'bearer',
    query: listOrdersQuerySchema,
    responses: { 200: { description: 'A page; pass nextCursor back as cursor for the next one', schema: orderPageSchema } },
    problems: ['forbidden', 'too_many_requests', 'unavailable'],
  },
];

export const orderServiceOpenApi = buildOpenApiDocument(
  {
    title: 'order-service',
    version: '1.0.0',
    description: `Takes orders and has payment-service charge them. This is the app channel, which only its Dapr sidecar calls: reach it through a sidecar (POST /v1.0/invoke/order-service/method/orders). ${CALLERS}`,
  },
  [
    ...customerOperations,
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

/** The public listener: the order routes and the probes, nothing else. */
export const orderServicePublicOpenApi = buildOpenApiDocument(
  { title: 'order-service (public)', version: '1.0.0', description: `The order API for customers, without Dapr (behind an Ingress). ${CALLERS}` },
  [...customerOperations, ...standardOperations().filter((operation) => operation.path.startsWith('/health/'))],
);
