import { randomUUID } from 'node:crypto';
import {
  PAYMENT_CONFIRMED_DATASCHEMA,
  PAYMENT_CONFIRMED_EVENT_TYPE,
  PAYMENT_TOPIC,
  normaliseMoney,
  type CloudEvent,
  type CurrencyCode,
  type Customer,
  type PaymentConfirmed,
  type PaymentMethod,
  type PaymentRequest,
} from '@orderflow/contracts';

/** A recorded payment. Never changed once recorded: the financial audit trail. */
export interface Payment {
  id: string;
  orderReference: string;
  amount: string;
  currency: CurrencyCode;
  paymentMethod: PaymentMethod;
  status: 'CONFIRMED';
  customer: Customer;
  createdAt: Date;
}

/** An event waiting in the outbox to be handed to the sidecar. */
export interface OutboxEvent {
  topic: string;
  partitionKey: string;
  cloudEvent: CloudEvent<unknown>;
  /** W3C trace context of the request that caused it, so the event continues that trace. */
  traceparent?: string | undefined;
}

export function newPayment(request: PaymentRequest, now: Date = new Date()): Payment {
  return {
    id: randomUUID(),
    orderReference: request.orderReference,
    amount: normaliseMoney(request.amount, request.currency),
    currency: request.currency,
    paymentMethod: request.paymentMethod,
    status: 'CONFIRMED',
    customer: request.customer,
    createdAt: now,
  };
}

/** True when a retried request asks for exactly the payment already recorded. */
export function isSameCharge(payment: Payment, request: PaymentRequest): boolean {
  return payment.currency === request.currency && payment.amount === normaliseMoney(request.amount, request.currency);
}

export function paymentConfirmedEvent(payment: Payment, traceparent?: string): OutboxEvent {
  const data: PaymentConfirmed = {
    paymentId: payment.id,
    orderReference: payment.orderReference,
    amount: payment.amount,
    currency: payment.currency,
    paymentMethod: payment.paymentMethod,
    customer: payment.customer,
    confirmedAt: payment.createdAt.toISOString(),
  };
  return {
    topic: PAYMENT_TOPIC,
    // One key per order keeps every event of an order on one partition, in order.
    partitionKey: payment.orderReference,
    traceparent,
    cloudEvent: {
      specversion: '1.0',
      id: randomUUID(),
      type: PAYMENT_CONFIRMED_EVENT_TYPE,
      source: 'payment-service',
      subject: payment.orderReference,
      time: data.confirmedAt,
      datacontenttype: 'application/json',
      dataschema: PAYMENT_CONFIRMED_DATASCHEMA,
      data,
    },
  };
}
