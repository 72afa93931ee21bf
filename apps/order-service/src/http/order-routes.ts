import { createHash } from 'node:crypto';
import { AppError, parseInput, traceHeaders } from '@orderflow/service-kit';
import type { Response, Router } from 'express';
import type { Order } from '../domain/order';
import type { OrderRepository } from '../domain/order-repository';
import type { PaymentGateway } from '../domain/payment-gateway';
import { placeOrder } from '../domain/place-order';
import type { OrderMetrics } from '../metrics';
import type { CustomerRateLimit } from './customer-rate-limit';
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
  metrics: OrderMetrics;
  rateLimit: CustomerRateLimit;
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

function send(res: Response, status: number, body: unknown, reference: string) {
  res.location(`/orders/${reference}`);
  res.status(status).json(body);
}

export function orderRoutes(deps: OrderRouteDeps) {
  return (router: Router) => {
    router.post('/orders', async (req, res) => {
      const key = parseInput(idempotencyHeaderSchema, { 'Idempotency-Key': req.header('idempotency-key') })['Idempotency-Key'];
      const input = parseInput(placeOrderSchema, req.body);
      const waitMs = deps.rateLimit.take(input.customer.id);
      if (waitMs > 0) {
        res.setHeader('retry-after', String(Math.ceil(waitMs / 1000)));
        throw new AppError('too_many_requests', {
          detail: `customer ${input.customer.id} is placing orders faster than allowed; retry in ${Math.ceil(waitMs / 1000)} s`,
        });
      }
      // The parsed input, not the raw bytes: the same order with its fields in another order is the same request.
      const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');

      const result = await placeOrder(input, deps, {
        traceHeaders: traceHeaders(req),
        idempotency: key === undefined ? undefined : { key, requestHash, ttlMs: deps.idempotencyKeyTtlMs },
      });

      deps.metrics.ordersPlaced.inc({ outcome: result.outcome });
      if (result.outcome === 'repeated') {
        const { earlier } = result;
        if (earlier.requestHash !== requestHash) {
          throw new AppError('unprocessable', {
            detail: 'this Idempotency-Key was already used with a different request body; use a new key for a new order',
          });
        }
        if (!earlier.response) {
          res.setHeader('retry-after', '1');
          throw new AppError('conflict', { detail: 'a request with this Idempotency-Key is still being processed; retry shortly' });
        }
        res.setHeader('idempotent-replayed', 'true');
        send(res, earlier.response.status, earlier.response.body, earlier.orderReference);
        return;
      }

      if (result.outcome === 'payment_rejected') {
        throw new AppError('upstream_error', {
          detail: `order ${result.order.reference} is saved, but payment-service refused to charge it (${result.reason})`,
        });
      }
      const status = result.outcome === 'paid' ? 201 : 202;
      const body = result.outcome === 'paid' ? orderView(result.order) : { ...orderView(result.order), message: result.message };
      if (result.outcome === 'payment_pending') {
        res.locals.log.warn({ reference: result.order.reference }, 'payment unavailable: order saved as PAYMENT_PENDING');
      }
      if (key !== undefined) await deps.orders.rememberResponse(key, { status, body });
      send(res, status, body, result.order.reference);
    });

    router.get('/orders/:reference', async (req, res) => {
      const { reference } = parseInput(orderReferenceParamSchema, req.params);
      const order = await deps.orders.findByReference(reference);
      if (!order) throw new AppError('not_found', { detail: `no order ${reference}` });
      res.json(orderView(order));
    });

    router.get('/orders', async (req, res) => {
      const query = parseInput(listOrdersQuerySchema, req.query);
      const page = await deps.orders.list(query);
      res.json({ items: page.orders.map(orderView), nextCursor: page.nextCursor });
    });
  };
}
