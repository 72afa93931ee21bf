import type { Knex } from '@orderflow/service-kit';
import type { PaymentMethod } from '@orderflow/contracts';
import type { Order, OrderLine, OrderStatus } from '../domain/order';
import type { OrderPage, OrderQuery, OrderRepository } from '../domain/order-repository';

interface OrderRow {
  id: string;
  reference: string;
  customer_id: string;
  customer_first_name: string;
  customer_last_name: string;
  customer_email: string;
  currency: string;
  payment_method: PaymentMethod;
  amount: string;
  status: OrderStatus;
  payment_id: string | null;
  created_at: Date;
}

interface OrderLineRow {
  order_id: string;
  line_number: number;
  product_id: string;
  name: string;
  quantity: number;
  unit_price: string;
  line_total: string;
}

const ORDER_COLUMNS = [
  'id',
  'reference',
  'customer_id',
  'customer_first_name',
  'customer_last_name',
  'customer_email',
  'currency',
  'payment_method',
  'amount',
  'status',
  'payment_id',
  'created_at',
];

/** An opaque page cursor: the (created_at, id) of the last order on the page. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!iso || !id || !/^\d{1,19}$/.test(id)) return undefined;
  const createdAt = new Date(iso);
  return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, id };
}

export class KnexOrderRepository implements OrderRepository {
  constructor(private readonly db: Knex) {}

  async insert(order: Order): Promise<void> {
    await this.db.transaction(async (trx) => {
      const [row] = await trx('orders')
        .insert({
          reference: order.reference,
          customer_id: order.customer.id,
          customer_first_name: order.customer.firstName,
          customer_last_name: order.customer.lastName,
          customer_email: order.customer.email,
          currency: order.currency,
          payment_method: order.paymentMethod,
          amount: order.amount,
          status: order.status,
          created_at: order.createdAt,
        })
        .returning<{ id: string }[]>('id');
      await trx('order_lines').insert(
        order.items.map((item, index) => ({
          order_id: row!.id,
          line_number: index + 1,
          product_id: item.productId,
          name: item.name,
          quantity: item.quantity,
          unit_price: item.unitPrice,
          line_total: item.lineTotal,
        })),
      );
    });
  }

  async findByReference(reference: string): Promise<Order | undefined> {
    const row: OrderRow | undefined = await this.db('orders').select(ORDER_COLUMNS).where({ reference }).first();
    if (!row) return undefined;
    const [order] = await this.withLines([row]);
    return order;
  }

  async list(query: OrderQuery): Promise<OrderPage> {
    const builder = this.db('orders')
      .select(ORDER_COLUMNS)
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.limit + 1);
    if (query.customerId) builder.where('customer_id', query.customerId);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (after) builder.whereRaw('(created_at, id) < (?, ?)', [after.createdAt, after.id]);

    const rows: OrderRow[] = await builder;
    const pageRows = rows.slice(0, query.limit);
    const last = pageRows[pageRows.length - 1];
    return {
      orders: await this.withLines(pageRows),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  async recordPaymentOutcome(
    reference: string,
    outcome: { status: OrderStatus; paymentId?: string; error?: string },
  ): Promise<Order | undefined> {
    const [row]: OrderRow[] = await this.db('orders')
      .where({ reference })
      // A late answer never takes a paid order back to pending.
      .whereNot('status', 'PAID')
      .update({
        status: outcome.status,
        payment_id: outcome.paymentId ?? null,
        last_payment_error: outcome.error ?? null,
        payment_attempts: this.db.raw('payment_attempts + 1'),
        updated_at: this.db.fn.now(),
      })
      .returning(ORDER_COLUMNS);
    if (!row) return undefined;
    const [order] = await this.withLines([row]);
    return order;
  }

  private async withLines(rows: OrderRow[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const lines: OrderLineRow[] = await this.db('order_lines')
      .whereIn(
        'order_id',
        rows.map((row) => row.id),
      )
      .orderBy(['order_id', 'line_number']);
    const linesByOrder = new Map<string, OrderLine[]>();
    for (const line of lines) {
      const list = linesByOrder.get(line.order_id) ?? [];
      list.push({
        productId: line.product_id,
        name: line.name,
        quantity: line.quantity,
        unitPrice: line.unit_price,
        lineTotal: line.line_total,
      });
      linesByOrder.set(line.order_id, list);
    }
    return rows.map((row) => ({
      reference: row.reference,
      status: row.status,
      amount: row.amount,
      currency: row.currency.trim(),
      paymentMethod: row.payment_method,
      paymentId: row.payment_id,
      customer: {
        id: row.customer_id,
        firstName: row.customer_first_name,
        lastName: row.customer_last_name,
        email: row.customer_email,
      },
      items: linesByOrder.get(row.id) ?? [],
      createdAt: row.created_at,
    }));
  }
}
