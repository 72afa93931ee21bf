import type { Knex } from '@orderflow/service-kit';
import { storableMoney, storedMoney, type CurrencyCode, type PaymentMethod } from '@orderflow/contracts';
import type { Order, OrderLine, OrderStatus } from '../domain/order';
import type { OrderOutcome } from '../domain/order-outcome';
import type {
  ClaimedOrder,
  IdempotencyClaim,
  OrderPage,
  OrderQuery,
  OrderRepository,
  PaymentLease,
  PaymentOutcomeRecord,
  PaymentState,
  RecordedIdempotencyKey,
} from '../domain/order-repository';

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
  payment_attempts: number;
  last_payment_error: string | null;
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
  'payment_attempts',
  'last_payment_error',
  'created_at',
];

/** The lease a new order is saved with, held by the request that places it. */
const FIRST_LEASE: PaymentLease = 1;

/** An OrderOutcome as kept in idempotency_keys.outcome (jsonb: the order's dates as ISO strings). */
type StoredOutcome = Omit<OrderOutcome, 'order'> & { order: Omit<Order, 'createdAt'> & { createdAt: string } };

function revive(stored: StoredOutcome): OrderOutcome {
  return { ...stored, order: { ...stored.order, createdAt: new Date(stored.order.createdAt) } } as OrderOutcome;
}

/** Thrown inside the insert transaction to undo the order when its Idempotency-Key is taken. */
class KeyAlreadyUsed extends Error {}

export class KnexOrderRepository implements OrderRepository {
  constructor(private readonly db: Knex) {}

  async insert(
    order: Order,
    options: { leaseMs: number; idempotency?: IdempotencyClaim | undefined },
  ): Promise<{ inserted: true; lease: PaymentLease } | { inserted: false; earlier: RecordedIdempotencyKey }> {
    const { idempotency, leaseMs } = options;
    if (!idempotency) {
      await this.insertOrderAndLines(this.db, order, leaseMs);
      return { inserted: true, lease: FIRST_LEASE };
    }
    try {
      await this.db.transaction(async (trx) => {
        await this.insertOrderAndLines(trx, order, leaseMs);
        {
          // Takes the key, or a key whose retention ran out; a live key held by an
          // earlier request (even one still in flight: the insert waits for it) is not taken.
          const taken = await trx.raw<{ rows: unknown[] }>(
            `insert into idempotency_keys (key, request_hash, order_reference, expires_at)
             values (?, ?, ?, ?)
             on conflict (key) do update
               set request_hash = excluded.request_hash, order_reference = excluded.order_reference,
                   response_status = null, response_body = null, outcome = null,
                   created_at = now(), expires_at = excluded.expires_at
               where idempotency_keys.expires_at < now()
             returning key`,
            [idempotency.key, idempotency.requestHash, order.reference, idempotency.expiresAt],
          );
          if (taken.rows.length === 0) throw new KeyAlreadyUsed();
        }
      });
      return { inserted: true, lease: FIRST_LEASE };
    } catch (error) {
      if (!(error instanceof KeyAlreadyUsed)) throw error;
    }
    // The request that took the key held its order's first lease from the same
    // moment (one transaction, one now()): past that lease it is no longer running.
    const earlier: { request_hash: string; order_reference: string; outcome: StoredOutcome | null; may_still_be_running: boolean } =
      await this.db('idempotency_keys')
        .select(
          'request_hash',
          'order_reference',
          'outcome',
          this.db.raw('created_at > now() - make_interval(secs => ?) as may_still_be_running', [leaseMs / 1000]),
        )
        .where({ key: idempotency.key })
        .first();
    return {
      inserted: false,
      earlier: {
        requestHash: earlier.request_hash,
        orderReference: earlier.order_reference,
        outcome: earlier.outcome === null ? undefined : revive(earlier.outcome),
        mayStillBeRunning: earlier.may_still_be_running,
      },
    };
  }

  /**
   * The order and its lines in one statement (one round trip, one commit when
   * not inside a transaction): the lines travel as one JSON array. The order is
   * born holding its first lease and due for the sweep when that runs out.
   */
  private async insertOrderAndLines(executor: Knex | Knex.Transaction, order: Order, leaseMs: number): Promise<void> {
    const lines = order.items.map((item, index) => ({
      line_number: index + 1,
      product_id: item.productId,
      name: item.name,
      quantity: item.quantity,
      unit_price: storableMoney(item.unitPrice, order.currency),
      line_total: storableMoney(item.lineTotal, order.currency),
    }));
    await executor.raw(
      `with new_order as (
         insert into orders (reference, customer_id, customer_first_name, customer_last_name, customer_email,
                             currency, payment_method, amount, status, created_at,
                             lease_version, next_payment_attempt_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?))
         returning id)
       insert into order_lines (order_id, line_number, product_id, name, quantity, unit_price, line_total)
       select new_order.id, l.line_number, l.product_id, l.name, l.quantity, l.unit_price, l.line_total
         from new_order,
              jsonb_to_recordset(?::jsonb) as l(line_number smallint, product_id varchar, name varchar,
                                                quantity integer, unit_price numeric, line_total numeric)`,
      [
        order.reference,
        order.customer.id,
        order.customer.firstName,
        order.customer.lastName,
        order.customer.email,
        order.currency,
        order.paymentMethod,
        // "2000.00" JPY, not "2000": the previous release reads these columns as strings and
        // sends them on as they are, documented as two fraction digits (storableMoney).
        storableMoney(order.amount, order.currency),
        order.status,
        order.createdAt,
        FIRST_LEASE,
        leaseMs / 1000,
        JSON.stringify(lines),
      ],
    );
  }

  async rememberOutcome(idempotencyKey: string, outcome: OrderOutcome): Promise<void> {
    await this.db('idempotency_keys').where({ key: idempotencyKey }).update({ outcome: JSON.stringify(outcome) });
  }

  async findByReference(reference: string, scope: { customerId?: string | undefined } = {}): Promise<Order | undefined> {
    const builder = this.db('orders').select(ORDER_COLUMNS).where({ reference });
    if (scope.customerId !== undefined) builder.where({ customer_id: scope.customerId });
    const row: OrderRow | undefined = await builder.first();
    if (!row) return undefined;
    const [order] = await this.withLines([row]);
    return order;
  }

  async list(query: OrderQuery): Promise<OrderPage> {
    // Newest first is highest id first: ids are given out in insertion order. The
    // cursor is the last id of the page; any well-formed cursor is a valid one.
    const builder = this.db('orders')
      .select(ORDER_COLUMNS)
      .where('customer_id', query.customerId)
      .orderBy('id', 'desc')
      .limit(query.limit + 1);
    if (query.cursor) builder.where('id', '<', query.cursor);

    const rows: OrderRow[] = await builder;
    const pageRows = rows.slice(0, query.limit);
    const last = pageRows[pageRows.length - 1];
    return {
      orders: await this.withLines(pageRows),
      nextCursor: rows.length > query.limit && last ? String(last.id) : null,
    };
  }

  async recordPaymentOutcome(reference: string, lease: PaymentLease, outcome: PaymentOutcomeRecord): Promise<PaymentState | undefined> {
    const [row]: Pick<OrderRow, 'status' | 'payment_id' | 'payment_attempts' | 'last_payment_error'>[] = await this.db('orders')
      // Only a pending order changes (PAID and PAYMENT_REJECTED are final), and
      // only by the attempt holding its current lease: a late answer from a lease
      // that ran out (another attempt took the order) changes nothing.
      .where({ reference, status: 'PAYMENT_PENDING', lease_version: lease })
      .update({
        status: outcome.status,
        payment_id: outcome.paymentId ?? null,
        last_payment_error: outcome.error ?? null,
        next_payment_attempt_at:
          outcome.status === 'PAYMENT_PENDING' ? this.db.raw('now() + make_interval(secs => ?)', [(outcome.retryInMs ?? 0) / 1000]) : null,
        payment_attempts: this.db.raw('payment_attempts + 1'),
        // The lease is spent by the record it allowed.
        lease_version: this.db.raw('lease_version + 1'),
        updated_at: this.db.fn.now(),
      })
      .returning(['status', 'payment_id', 'payment_attempts', 'last_payment_error']);
    return (
      row && { status: row.status, paymentId: row.payment_id, paymentAttempts: row.payment_attempts, paymentError: row.last_payment_error }
    );
  }

  async claimDuePayments(limit: number, leaseMs: number): Promise<ClaimedOrder[]> {
    const claimed = await this.db.raw<{ rows: (OrderRow & { lease_version: string })[] }>(
      // MATERIALIZED: the orders are chosen once (a subquery scanned again would,
      // with SKIP LOCKED, choose further orders and lease more than `limit`).
      `with chosen as materialized (
         select id from orders
          where status = 'PAYMENT_PENDING' and next_payment_attempt_at <= now()
          order by next_payment_attempt_at
          limit ?
          for update skip locked)
       update orders set next_payment_attempt_at = now() + make_interval(secs => ?), lease_version = lease_version + 1
        where id in (select id from chosen)
       returning ${ORDER_COLUMNS.join(', ')}, lease_version`,
      [limit, leaseMs / 1000],
    );
    const orders = await this.withLines(claimed.rows);
    return orders.map((order, index) => ({ order, lease: Number(claimed.rows[index]!.lease_version) }));
  }

  async countPendingPayments(): Promise<number> {
    // Exactly the predicate of orders_payment_due (where status = 'PAYMENT_PENDING'):
    // PostgreSQL counts the entries of that partial index, the pending orders only,
    // never the table of every order ever placed.
    const [row] = await this.db('orders').where({ status: 'PAYMENT_PENDING' }).count<{ count: string }[]>('* as count');
    return Number(row?.count ?? 0);
  }

  async purgeExpiredIdempotencyKeys(limit: number): Promise<number> {
    return this.db('idempotency_keys')
      .whereIn('key', this.db('idempotency_keys').select('key').where('expires_at', '<', this.db.fn.now()).limit(limit))
      .delete();
  }

  private async withLines(rows: OrderRow[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const lines: OrderLineRow[] = await this.db('order_lines')
      .whereIn(
        'order_id',
        rows.map((row) => row.id),
      )
      .orderBy(['order_id', 'line_number']);
    const currencyOf = new Map(rows.map((row) => [row.id, row.currency.trim() as CurrencyCode]));
    const linesByOrder = new Map<string, OrderLine[]>();
    for (const line of lines) {
      const currency = currencyOf.get(line.order_id)!;
      const list = linesByOrder.get(line.order_id) ?? [];
      list.push({
        productId: line.product_id,
        name: line.name,
        quantity: line.quantity,
        unitPrice: storedMoney(line.unit_price, currency),
        lineTotal: storedMoney(line.line_total, currency),
      });
      linesByOrder.set(line.order_id, list);
    }
    return rows.map((row) => ({
      reference: row.reference,
      status: row.status,
      amount: storedMoney(row.amount, row.currency.trim() as CurrencyCode),
      currency: row.currency.trim() as CurrencyCode,
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
      paymentAttempts: row.payment_attempts,
      paymentError: row.last_payment_error,
    }));
  }
}
