// Recording a payment: at most one per order reference. A retried request (the
// caller's sidecar retries on timeouts) gets the payment already recorded, and
// no second row or event; a different amount or currency for the same order is
// a conflict, never a silent second charge.
import type { PaymentRequest } from '@orderflow/contracts';
import { AppError } from '@orderflow/service-kit';
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
