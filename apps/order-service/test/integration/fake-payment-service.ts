// payment-service as the domain sees it (a PaymentGateway), played in memory
// for tests that need to hold, order or count its answers: like the real one,
// it records at most one payment per order reference and answers a repeat with
// the payment it already has.
import type { PaymentRequest } from '@orderflow/contracts';
import type { PaymentGateway, PaymentOutcome } from '../../src/domain/payment-gateway';

/** How the next request is answered: after `delayMs`, or when the test settles it. */
export type FakeAnswer = { kind: 'charge'; delayMs?: number } | { kind: 'unavailable' | 'rejected'; delayMs?: number } | { kind: 'held' };

export interface HeldRequest {
  reference: string;
  answer(outcome: PaymentOutcome): void;
}

export class FakePaymentService implements PaymentGateway {
  /** Order reference → the one payment recorded for it. */
  readonly payments = new Map<string, string>();
  /** Every request, in arrival order, by order reference. */
  readonly requests: string[] = [];
  /** Requests waiting for the test to answer them (answer `held`). */
  readonly held: HeldRequest[] = [];
  /** The most requests for one order that were ever in flight together. */
  mostAtOnceForOneOrder = 0;
  private readonly inFlight = new Map<string, number>();
  private nextAnswer: (reference: string) => FakeAnswer = () => ({ kind: 'charge' });

  answerWith(next: (reference: string) => FakeAnswer): void {
    this.nextAnswer = next;
  }

  requestsFor(reference: string): number {
    return this.requests.filter((r) => r === reference).length;
  }

  async requestPayment(request: PaymentRequest): Promise<PaymentOutcome> {
    const reference = request.orderReference;
    this.requests.push(reference);
    const now = (this.inFlight.get(reference) ?? 0) + 1;
    this.inFlight.set(reference, now);
    this.mostAtOnceForOneOrder = Math.max(this.mostAtOnceForOneOrder, now);
    try {
      const answer = this.nextAnswer(reference);
      if (answer.kind === 'held') {
        return await new Promise<PaymentOutcome>((resolve) => this.held.push({ reference, answer: resolve }));
      }
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      if (answer.kind === 'unavailable') return { kind: 'unavailable', reason: 'payment-service is down (fake)' };
      if (answer.kind === 'rejected') return { kind: 'rejected', reason: 'card refused (fake)' };
      const paymentId = this.payments.get(reference) ?? `pay-${this.payments.size + 1}`;
      this.payments.set(reference, paymentId);
      return { kind: 'confirmed', paymentId };
    } finally {
      this.inFlight.set(reference, (this.inFlight.get(reference) ?? 1) - 1);
    }
  }
}
