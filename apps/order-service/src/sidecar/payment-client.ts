// Asks payment-service to charge an order, through our own sidecar (Dapr
// service invocation). Name resolution, the timeout, retries and the circuit
// breaker are the sidecar's (dapr/resiliency.yaml); this adapter only turns
// what comes back into a PaymentOutcome: payment-service's own refusal (its
// status, which the SDK reports only in its error) apart from "away".
import { paymentSchema, type PaymentRequest } from '@orderflow/contracts';
import { describeSidecarAnswer, SidecarUnreachable, type DaprSidecar, type Logger } from '@orderflow/service-kit';
import type { PaymentGateway, PaymentOutcome } from '../domain/payment-gateway';

export class DaprPaymentClient implements PaymentGateway {
  constructor(
    private readonly sidecar: DaprSidecar,
    private readonly options: { appId: string; timeoutMs: number; logger: Logger },
  ) {}

  async requestPayment(
    request: PaymentRequest,
    context: { traceHeaders?: Record<string, string | undefined> } = {},
  ): Promise<PaymentOutcome> {
    let answer;
    try {
      answer = await this.sidecar.invoke(this.options.appId, 'payments', request, {
        headers: context.traceHeaders,
        timeoutMs: this.options.timeoutMs,
      });
    } catch (error) {
      if (error instanceof SidecarUnreachable) return { kind: 'unavailable', reason: error.message };
      throw error;
    }

    if (answer.ok) {
      const payment = paymentSchema.safeParse(answer.body);
      if (payment.success) return { kind: 'confirmed', paymentId: payment.data.id };
      // A 2xx we cannot read is not a confirmation we can rely on; asking again is safe (idempotent by reference).
      this.options.logger.error({ body: answer.body }, 'payment-service answered 2xx with an unexpected body');
      return { kind: 'unavailable', reason: 'unreadable answer from payment-service' };
    }
    const reason = describeSidecarAnswer(answer);
    // 400/409/422: payment-service understood and refused. Everything else (5xx,
    // the sidecar's timeout or open circuit, 404 while it is not registered yet) may pass.
    if (answer.status === 400 || answer.status === 409 || answer.status === 422) {
      return { kind: 'rejected', reason };
    }
    return { kind: 'unavailable', reason };
  }
}
