import type { Order, OrderStatus } from './order';

export interface OrderPage {
  orders: Order[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface OrderQuery {
  customerId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Persistence as the domain needs it; implemented with Knex in src/data. */
export interface OrderRepository {
  insert(order: Order): Promise<void>;
  findByReference(reference: string): Promise<Order | undefined>;
  list(query: OrderQuery): Promise<OrderPage>;
  recordPaymentOutcome(
    reference: string,
    outcome: { status: OrderStatus; paymentId?: string; error?: string },
  ): Promise<Order | undefined>;
}
