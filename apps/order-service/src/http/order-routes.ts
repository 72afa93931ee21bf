import { AppError, parseInput, traceHeaders } from '@orderflow/service-kit';
import type { RequestHandler, Response, Router } from 'express';
import type { Order } from '../domain/order';
import type { OrderRepository } from '../domain/order-repository';
import type { PaymentGateway } from '../domain/payment-gateway';
import { placeOrder, type PlaceOrderResult } from '../domain/place-order';
import { findOrder, listCustomerOrders } from '../domain/read-orders';
import type { OrderMetrics } from '../metrics';
import { identifyCaller, requireCaller, type Caller, type CallerOptions } from './caller';
import type { RateLimit } from './rate-limit';
import type { z } from 'zod';
import {
  idempotencyHeaderSchema,
  listOrdersQuerySchema,
  orderReferenceParamSchema,
  placeOrderSchema,
  type orderViewSchema,
} from './order-schemas';

export interface OrderRouteDeps {
  orders: OrderRepository;
  payments: PaymentGateway;
  /** How long an Idempotency-Key is remembered. */
  idempotencyKeyTtlMs: number;
  /** How long the sweep leaves a new order to the request that placed it. */
  paymentGraceMs: number;
  metrics: OrderMetrics;
  /** Orders per customer (the token's customer; for a trusted service, the order's). */
  customerRateLimit: RateLimit;
  /** Requests per client address (`req.ip`): on the public listener, where anonymous traffic arrives. */
  addressRateLimit?: RateLimit | undefined;
  /** How callers are told apart (caller.ts). */
  callers: CallerOptions;
}

/** The order as the API shows it. */
export function orderView(order: Order): z.infer<typeof orderViewSchema> {
  return {
    reference: order.reference,
    status: order.status,
    amount: order.amount,
    currency: order.currency,
    paymentMethod: order.paymentMethod,
    paymentId: order.paymentId,
    items: order.items,
    customer: order.customer,
    createdAt: order.createdAt.toISOString(),
  };
}

function tooManyRequests(res: Response, waitMs: number, detail: string): AppError {
  const seconds = Math.ceil(waitMs / 1000);
  res.setHeader('retry-after', String(seconds));
  return new AppError('too_many_requests', { detail: `${detail}; retry in ${seconds} s` });
}

/** The customer whose orders a caller may see: a customer their own; a service the one it names. */
function customerInView(caller: Caller, customerId: string | undefined): string {
  if (caller.kind === 'customer') {
    if (customerId !== undefined && customerId !== caller.customerId) {
      throw new AppError('forbidden', { detail: 'a customer can list only their own orders (leave out customerId)' });
    }
    return caller.customerId;
  }
  if (customerId === undefined) {
    throw new AppError('invalid_data', {
      detail: 'a service lists one customer\'s orders at a time: give customerId',
      errors: [{ field: 'customerId', message: 'is required for a service caller' }],
    });
  }
  return customerId;
}

function send(res: Response, status: number, body: unknown, reference: string) {
  res.location(`/orders/${reference}`);
  res.status(status).json(body);
}

/** What placing an order came to, as HTTP: the same for a first answer and a replayed one. */
function answer(res: Response, result: PlaceOrderResult): void {
  switch (result.outcome) {
    case 'key_reused':
      throw new AppError('unprocessable', {
        detail: 'this Idempotency-Key was already used with a different request body; use a new key for a new order',
      });
    case 'in_progress':
      res.setHeader('retry-after', '1');
      throw new AppError('conflict', { detail: 'a request with this Idempotency-Key is still being processed; retry shortly' });
  }
  if (result.replayed) res.setHeader('idempotent-replayed', 'true');
  switch (result.outcome) {
    case 'paid':
      send(res, 201, orderView(result.order), result.order.reference);
      return;
    case 'payment_pending':
      if (!result.replayed) {
        res.locals.log.warn({ reference: result.order.reference }, 'payment unavailable: order saved as PAYMENT_PENDING');
      }
      send(res, 202, { ...orderView(result.order), message: result.message }, result.order.reference);
      return;
    case 'payment_rejected':
      throw new AppError('upstream_error', {
        detail: `order ${result.order.reference} is saved, but payment-service refused to charge it (${result.reason})`,
      });
  }
}

export function orderRoutes(deps: OrderRouteDeps) {
  const { addressRateLimit } = deps;
  // Every order route: the address's quota first (before any token is checked), then who is calling.
  const guards: RequestHandler[] = [
    ...(addressRateLimit
      ? [
          ((req, res, next) => {
            const waitMs = addressRateLimit.take(req.ip ?? 'unknown');
            next(waitMs > 0 ? tooManyRequests(res, waitMs, 'too many requests from this client address') : undefined);
          }) satisfies RequestHandler,
        ]
      : []),
    identifyCaller(deps.callers),
  ];

  return (router: Router) => {
    router.post('/orders', ...guards, async (req, res) => {
      const caller = requireCaller(res);
      const key = parseInput(idempotencyHeaderSchema, { 'Idempotency-Key': req.header('idempotency-key') })['Idempotency-Key'];
      const input = parseInput(placeOrderSchema, req.body);
      if (caller.kind === 'customer' && input.customer.id !== caller.customerId) {
        throw new AppError('forbidden', {
          detail: 'customer.id must be the customer the token names: a customer places orders only for themselves',
        });
      }
      const waitMs = deps.customerRateLimit.take(input.customer.id);
      if (waitMs > 0) throw tooManyRequests(res, waitMs, `customer ${input.customer.id} is placing orders faster than allowed`);
      const result = await placeOrder(input, deps, {
        graceMs: deps.paymentGraceMs,
        traceHeaders: traceHeaders(req),
        idempotency: key === undefined ? undefined : { key, ttlMs: deps.idempotencyKeyTtlMs },
      });
      deps.metrics.ordersPlaced.inc({ outcome: 'replayed' in result && !result.replayed ? result.outcome : 'repeated' });
      answer(res, result);
    });

    router.get('/orders/:reference', ...guards, async (req, res) => {
      const caller = requireCaller(res);
      const { reference } = parseInput(orderReferenceParamSchema, req.params);
      const order = await findOrder(reference, caller.kind === 'customer' ? { customerId: caller.customerId } : {}, deps);
      if (!order) throw new AppError('not_found', { detail: `no order ${reference}` });
      res.json(orderView(order));
    });

    router.get('/orders', ...guards, async (req, res) => {
      const caller = requireCaller(res);
      const query = parseInput(listOrdersQuerySchema, req.query);
      const page = await listCustomerOrders({ ...query, customerId: customerInView(caller, query.customerId) }, deps);
      res.json({ items: page.orders.map(orderView), nextCursor: page.nextCursor });
    });
  };
}
