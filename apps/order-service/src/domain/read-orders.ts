// Reading orders: one by its reference, or a page of one customer's (nobody
// lists everyone's). Who may read what is decided before (http/caller.ts); a
// customer's read is scoped to their own orders, so another customer's order is
// answered exactly like one that does not exist.
import type { Order } from './order';
import type { OrderPage, OrderQuery, OrderRepository } from './order-repository';

export async function findOrder(
  reference: string,
  scope: { customerId?: string | undefined },
  deps: { orders: OrderRepository },
): Promise<Order | undefined> {
  return deps.orders.findByReference(reference, scope);
}

export async function listCustomerOrders(query: OrderQuery, deps: { orders: OrderRepository }): Promise<OrderPage> {
  return deps.orders.list(query);
}
