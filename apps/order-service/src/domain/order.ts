// An order and the rules for building one from what the customer sent.
import { randomBytes } from 'node:crypto';
import { multiplyMoney, normaliseMoney, sumMoney, type CurrencyCode, type Customer, type PaymentMethod, type PaymentRequest } from '@orderflow/contracts';

export const ORDER_STATUSES = ['PAYMENT_PENDING', 'PAID', 'PAYMENT_REJECTED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderLineInput {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: string;
}

export interface OrderInput {
  customer: Customer;
  items: OrderLineInput[];
  currency: CurrencyCode;
  paymentMethod: PaymentMethod;
}

export interface OrderLine extends OrderLineInput {
  lineTotal: string;
}

export interface Order {
  reference: string;
  status: OrderStatus;
  amount: string;
  currency: CurrencyCode;
  paymentMethod: PaymentMethod;
  paymentId: string | null;
  customer: Customer;
  items: OrderLine[];
  createdAt: Date;
  /** How many times payment-service has been asked to charge it. */
  paymentAttempts: number;
  /** Why the last attempt to charge it did not pay it (the refusal, for a PAYMENT_REJECTED order). */
  paymentError: string | null;
}

// Crockford's base32: no I, L, O, U, so a reference read out on the phone survives.
const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `ORD-` and 16 random base32 characters (80 bits): unguessable, URL-safe. */
export function newOrderReference(): string {
  const bytes = randomBytes(16);
  let reference = 'ORD-';
  for (const byte of bytes) reference += REFERENCE_ALPHABET[byte % 32];
  return reference;
}

/** A new order, not yet paid, with its line totals and total computed exactly, in the currency's minor units. */
export function createOrder(input: OrderInput, now: Date = new Date()): Order {
  const items = input.items.map((item) => ({
    ...item,
    unitPrice: normaliseMoney(item.unitPrice, input.currency),
    lineTotal: multiplyMoney(item.unitPrice, item.quantity, input.currency),
  }));
  return {
    reference: newOrderReference(),
    status: 'PAYMENT_PENDING',
    amount: sumMoney(
      items.map((item) => item.lineTotal),
      input.currency,
    ),
    currency: input.currency,
    paymentMethod: input.paymentMethod,
    paymentId: null,
    customer: input.customer,
    items,
    createdAt: now,
    paymentAttempts: 0,
    paymentError: null,
  };
}

/** Seconds until the next attempt to charge a pending order: 2, 4, 8, 16, 32, then every 60. */
export function paymentRetryDelayMs(attemptsSoFar: number): number {
  return Math.min(60, 2 ** Math.min(Math.max(attemptsSoFar, 1), 6)) * 1000;
}

/** The "invoice" payment-service is asked to charge. */
export function paymentRequestFor(order: Order): PaymentRequest {
  return {
    orderReference: order.reference,
    amount: order.amount,
    currency: order.currency,
    paymentMethod: order.paymentMethod,
    customer: order.customer,
  };
}
