// The Dapr cron input binding `outbox-relay` (components/outbox-relay.yaml)
// POSTs here on its schedule: the tick that publishes what an earlier round
// could not (Kafka or the sidecar was away) and what a stopped or dead replica
// left behind. New events do not wait for it: recording a payment wakes the
// relay at once. The tick returns at once; the run goes on (a publish may wait
// up to PUBLISH_DEADLINE_MS), so a shutdown never waits on it to stop taking
// requests, and stopping the relay hands back what it claimed.
import type { Router } from 'express';
import type { OutboxRelay } from '../domain/relay-outbox';

export const RELAY_ROUTE = '/outbox-relay';

export function relayRoutes(deps: { relay: OutboxRelay }) {
  return (router: Router) => {
    router.post(RELAY_ROUTE, (_req, res) => {
      const tick = deps.relay.tick();
      // A tick before the relay started, after it stopped, or while the last run still goes on has nothing to add.
      res.status(200).json(tick.started ? { relaying: true } : { skipped: tick.skipped });
    });
  };
}
