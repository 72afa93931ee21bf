import type { PaymentRequest } from '@orderflow/contracts';

/** What asking payment-service to charge an order can come to. */
export type PaymentOutcome =
  | { kind: 'confirmed'; paymentId: string }
  /** Slow, down, or its circuit is open: the order waits and is paid later. */
  | { kind: 'unavailable'; reason: string }
  /** payment-service answered and refused: retrying the same request will not help. */
  | { kind: 'rejected'; reason: string };

export interface PaymentGateway {
  requestPayment(request: PaymentRequest, context: { traceHeaders?: Record<string, string | undefined> }): Promise<PaymentOutcome>;
}
