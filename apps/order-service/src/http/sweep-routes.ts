// The Dapr cron input binding `payment-retry-sweep` (components/payment-retry-sweep.yaml)
// POSTs here on its schedule: the sidecar, not a timer in this process, drives
// the service's periodic work (domain/sweep.ts), so a stopped or scaled-out app
// needs no scheduler of its own.
import type { Router } from 'express';
import type { Logger } from '@orderflow/service-kit';
import type { OrderRepository } from '../domain/order-repository';
import type { PaymentGateway } from '../domain/payment-gateway';
import type { SweepOptions } from '../domain/retry-pending-payments';
import { sweep } from '../domain/sweep';
import type { OrderMetrics } from '../metrics';

export const SWEEP_ROUTE = '/payment-retry-sweep';

export interface SweepRouteDeps {
  orders: OrderRepository;
  payments: PaymentGateway;
  sweep: SweepOptions;
  logger: Logger;
  metrics: OrderMetrics;
}

export function sweepRoutes(deps: SweepRouteDeps) {
  let running = false;
  return (router: Router) => {
    router.post(SWEEP_ROUTE, async (_req, res) => {
      // A tick that arrives while the last sweep still runs has nothing to add.
      if (running) {
        res.status(200).json({ skipped: 'previous sweep still running' });
        return;
      }
      running = true;
      try {
        const { payments: report, purgedIdempotencyKeys, purgeError } = await sweep(deps, deps.sweep);
        deps.metrics.sweptOrders.inc({ result: 'paid' }, report.paid);
        deps.metrics.sweptOrders.inc({ result: 'still_pending' }, report.stillPending);
        deps.metrics.sweptOrders.inc({ result: 'rejected' }, report.rejected);
        deps.metrics.sweptOrders.inc({ result: 'lease_lost' }, report.leaseLost);
        if (report.tried > 0 || purgedIdempotencyKeys > 0) deps.logger.info({ ...report, purgedIdempotencyKeys }, 'payment retry sweep');
        // Told, not answered: the tick's answer is the payments' report, and the next tick purges again.
        if (purgeError) deps.logger.error({ err: purgeError }, 'purging expired Idempotency-Keys failed');
        res.status(200).json(report);
      } finally {
        running = false;
      }
    });
  };
}
