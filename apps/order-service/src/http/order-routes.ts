import { AppError, parseInput, traceHeaders } from '@orderflow/service-kit';
import type { Router } from 'express';
import type { Order } from '../domain/order';
import type { OrderRepository } from '../domain/order-repository';
import type { PaymentGateway } from '../domain/payment-gateway';
import { placeOrder } from '../domain/place-order';
import { decodeCursor } from '../data/order-repository';
import { listOrdersQuerySchema, orderReferenceParamSchema, placeOrderSchema } from './order-schemas';

export interface OrderRouteDeps {
  orders: OrderRepository;
  payments: PaymentGateway;
}

/** The order as the API shows it. */
export function orderView(order: Order) {
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

export function orderRoutes(deps: OrderRouteDeps) {
  return (router: Router) => {
    router.post('/orders', async (req, res) => {
      const input = parseInput(placeOrderSchema, req.body);
      const result = await placeOrder(input, deps, { traceHeaders: traceHeaders(req) });
      res.location(`/orders/${result.order.reference}`);
      switch (result.outcome) {
        case 'paid':
          res.status(201).json(orderView(result.order));
          return;
        case 'payment_pending':
          res.locals.log.warn({ reference: result.order.reference }, 'payment unavailable: order saved as PAYMENT_PENDING');
          res.status(202).json({ ...orderView(result.order), message: result.message });
          return;
        case 'payment_rejected':
          throw new AppError('upstream_error', {
            detail: `order ${result.order.reference} is saved, but payment-service refused to charge it (${result.reason})`,
          });
      }
    });

    router.get('/orders/:reference', async (req, res) => {
      const { reference } = parseInput(orderReferenceParamSchema, req.params);
      const order = await deps.orders.findByReference(reference);
      if (!order) throw new AppError('not_found', { detail: `no order ${reference}` });
      res.json(orderView(order));
    });

    router.get('/orders', async (req, res) => {
      const query = parseInput(listOrdersQuerySchema, req.query);
      if (query.cursor !== undefined && !decodeCursor(query.cursor)) {
        throw new AppError('invalid_data', {
          detail: 'cursor is not valid',
          errors: [{ field: 'cursor', message: 'is not a cursor this API returned' }],
        });
      }
      const page = await deps.orders.list(query);
      res.json({ items: page.orders.map(orderView), nextCursor: page.nextCursor });
    });
  };
}
