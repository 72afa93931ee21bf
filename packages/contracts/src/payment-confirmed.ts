// payment.confirmed, version 1: owned by payment-service, consumed by
// notification-service (and by anyone else who subscribes to payment-topic).
//
// Compatibility rule: within v1, fields may be added (consumers ignore what they
// do not know); no field is removed, renamed, retyped or made optional. Anything
// else is payment.confirmed v2, published beside v1 until consumers have moved.
import { z } from 'zod';
import { currencySchema } from './currency';
import { customerSchema } from './customer';
import { positiveMoneySchema } from './money';
import { orderReferenceSchema, paymentMethodSchema, withAmountInCurrency } from './payment-request';
import { textSchema } from './text';

export const PAYMENT_TOPIC = 'payment-topic';
export const PAYMENT_CONFIRMED_EVENT_TYPE = 'payment.confirmed';
/** Travels in the CloudEvent's `dataschema` attribute. */
export const PAYMENT_CONFIRMED_DATASCHEMA = 'urn:orderflow:events:payment.confirmed:v1';

export const paymentConfirmedSchema = withAmountInCurrency(
  z.object({
    // A UUID in practice; bounded so that a consumer can store it (notification-service: varchar(64)).
    paymentId: textSchema({ minLength: 1, maxLength: 64 }),
    orderReference: orderReferenceSchema,
    amount: positiveMoneySchema,
    currency: currencySchema,
    paymentMethod: paymentMethodSchema,
    // Consumers must not reject a customer object that gains fields within v1.
    customer: customerSchema.loose(),
    confirmedAt: z.iso.datetime({ offset: true }),
  }).loose(),
).meta({
    $id: PAYMENT_CONFIRMED_DATASCHEMA,
    title: 'payment.confirmed v1',
    description: 'The data of the CloudEvent payment-service publishes on payment-topic once a payment is recorded.',
});

export type PaymentConfirmed = z.infer<typeof paymentConfirmedSchema>;
