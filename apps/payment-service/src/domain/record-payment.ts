// Recording a payment: at most one per order reference. A retried request (the
// caller's sidecar retries on timeouts) gets the payment already recorded, and
// no second row or event; a different amount or currency for the same order is
// a conflict, never a silent second charge.
import { paymentRequestOfAnyPrecisionSchema, storedMoney, toleratedPrecisionProblem, type PaymentRequest } from '@orderflow/contracts';
import { AppError } from '@orderflow/service-kit/errors';
import { isSameCharge, newPayment, paymentConfirmedEvent, type Payment } from './payment';
import type { PaymentRepository } from './payment-repository';

export async function recordPayment(
  request: PaymentRequest,
  payments: PaymentRepository,
  context: { traceparent?: string | undefined } = {},
): Promise<{ payment: Payment; created: boolean }> {
  const candidate = newPayment(request);
  const result = await payments.recordOnce(candidate, paymentConfirmedEvent(candidate, context.traceparent));
  if (!result.created && !isSameCharge(result.payment, request)) {
    throw new AppError('conflict', {
      detail: `order ${request.orderReference} was already charged ${result.payment.amount} ${result.payment.currency}`,
    });
  }
  return result;
}

/**
 * The payment a request repeats when its amount has more fraction digits than
 * its currency, not all zeros: an order placed before amounts were checked per
 * currency may hold a JPY "10.50", and its retry asks for "10.5". The rule
 * refuses that amount, and a refusal would have the order rejected though the
 * previous release may have charged it. So it is taken when, and only when, this
 * very charge (reference, currency, amount) is already recorded: the answer is
 * that payment, and nothing new is charged. Otherwise the rule stands (400):
 * nothing was charged, so the order being rejected loses no money.
 */
export async function legacyChargeRepeated(body: unknown, payments: PaymentRepository): Promise<Payment | undefined> {
  const parsed = paymentRequestOfAnyPrecisionSchema.safeParse(body);
  if (!parsed.success || !toleratedPrecisionProblem(parsed.data.amount, parsed.data.currency)) return undefined;
  const { orderReference, amount, currency } = parsed.data;
  const [recorded] = await payments.findByOrderReference(orderReference);
  // Both as storedMoney reads them: a stored "10.50" JPY is "10.5", every digit kept.
  return recorded?.currency === currency && recorded.amount === storedMoney(amount, currency) ? recorded : undefined;
}
