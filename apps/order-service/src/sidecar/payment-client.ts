// Asks payment-service to charge an order, through our own sidecar (Dapr
// service invocation). Name resolution, the timeout, retries and the circuit
// breaker are the sidecar's (dapr/resiliency.yaml); this adapter only turns
// what comes back into a PaymentOutcome.
import { paymentSchema, type PaymentRequest } from '@orderflow/contracts';
import { describeSidecarAnswer, SidecarUnreachable, type Logger, type SidecarClient } from '@orderflow/service-kit';
import type { PaymentGateway, PaymentOutcome } from '../domain/payment-gateway';

export class DaprPaymentClient implements PaymentGateway {
  constructor(
    private readonly sidecar: SidecarClient,
    private readonly options: { appId: string; timeoutMs: number; logger: Logger },
  ) {}

  async requestPayment(
    request: PaymentRequest,
    context: { traceHeaders?: Record<string, string | undefined> } = {},
  ): Promise<PaymentOutcome> {
    let response;
    try {
      response = await this.sidecar.invoke(this.options.appId, 'payments', {
        body: request,
        headers: context.traceHeaders,
        timeoutMs: this.options.timeoutMs,
      });
    } catch (error) {
      if (error instanceof SidecarUnreachable) return { kind: 'unavailable', reason: error.message };
      throw error;
    }

    if (response.status === 200 || response.status === 201) {
      const payment = paymentSchema.safeParse(response.body);
      if (payment.success) return { kind: 'confirmed', paymentId: payment.data.id };
      // A 2xx we cannot read is not a confirmation we can rely on; asking again is safe (idempotent by reference).
      this.options.logger.error({ body: response.body }, 'payment-service answered 2xx with an unexpected body');
      return { kind: 'unavailable', reason: 'unreadable answer from payment-service' };
    }
    const reason = describeSidecarAnswer(response);
    // 400/409/422: payment-service understood and refused. Everything else (5xx,
    // the sidecar's timeout or open circuit, 404 while it is not registered yet) may pass.
    if (response.status === 400 || response.status === 409 || response.status === 422) {
      return { kind: 'rejected', reason };
    }
    return { kind: 'unavailable', reason };
  }
}
