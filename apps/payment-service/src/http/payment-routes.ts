import { paymentRequestSchema, traceparentOf, type paymentSchema } from '@orderflow/contracts';
import { AppError, parseInput } from '@orderflow/service-kit';
import type { Router } from 'express';
import type { z } from 'zod';
import type { Payment } from '../domain/payment';
import type { PaymentRepository } from '../domain/payment-repository';
import { legacyChargeRepeated, recordPayment } from '../domain/record-payment';
import type { PaymentMetrics } from '../metrics';
import { listPaymentsQuerySchema, paymentIdParamSchema } from './payment-schemas';

export interface PaymentRouteDeps {
  payments: PaymentRepository;
  /** Called after a new payment committed, so its event goes out now rather than at the relay's next tick. */
  onPaymentRecorded: () => void;
  metrics: PaymentMetrics;
}

/** The payment as the API shows it. */
export function paymentView(payment: Payment): z.infer<typeof paymentSchema> {
  return {
    id: payment.id,
    orderReference: payment.orderReference,
    amount: payment.amount,
    currency: payment.currency,
    paymentMethod: payment.paymentMethod,
    status: payment.status,
    createdAt: payment.createdAt.toISOString(),
  };
}

export function paymentRoutes(deps: PaymentRouteDeps) {
  return (router: Router) => {
    router.post('/payments', async (req, res) => {
      let request;
      try {
        request = parseInput(paymentRequestSchema, req.body);
      } catch (invalid) {
        // Only a request the contract refuses can be a pre-#14 retry of a charge already recorded: one parse on the hot path.
        const repeated = await legacyChargeRepeated(req.body, deps.payments);
        if (!repeated) throw invalid;
        deps.metrics.paymentsRecorded.inc({ result: 'repeated' });
        res.location(`/payments/${repeated.id}`);
        res.status(200).json(paymentView(repeated));
        return;
      }
      let recorded;
      try {
        recorded = await recordPayment(request, deps.payments, { traceparent: traceparentOf(req.header('traceparent')) });
      } catch (error) {
        if (error instanceof AppError && error.kind === 'conflict') deps.metrics.paymentsRecorded.inc({ result: 'conflict' });
        throw error;
      }
      const { payment, created } = recorded;
      deps.metrics.paymentsRecorded.inc({ result: created ? 'created' : 'repeated' });
      if (created) deps.onPaymentRecorded();
      res.location(`/payments/${payment.id}`);
      res.status(created ? 201 : 200).json(paymentView(payment));
    });

    router.get('/payments/:id', async (req, res) => {
      const { id } = parseInput(paymentIdParamSchema, req.params);
      const payment = await deps.payments.findById(id);
      if (!payment) throw new AppError('not_found', { detail: `no payment ${id}` });
      res.json(paymentView(payment));
    });

    router.get('/payments', async (req, res) => {
      const { orderReference } = parseInput(listPaymentsQuerySchema, req.query);
      const payments = await deps.payments.findByOrderReference(orderReference);
      res.json({ items: payments.map(paymentView) });
    });
  };
}
