// The installed chart under a stream of orders (one customer each, with a
// token, an Idempotency-Key, retried with the same key until answered, as a
// real client does), while Kubernetes replaces pods: a rolling update by
// `helm upgrade` to a new image tag, then one pod of each service deleted.
// Every accepted order must end PAID, paid once, e-mailed once: 0 lost, 0
// duplicated. The checks are e2e/support/drill.ts's, on the cluster's system.
import { runDrill, summary, type DrillPlan, type DrillResult, type FaultReport, type OrderStream } from '../../e2e/support/drill';
import { cluster, clusterSystem, ctr, kubectl, podsOf, publicEntry, readyPodsOf, releaseSettled, upgradeRelease, withDiagnostics } from './support/cluster';

const SERVICES = ['order-service', 'payment-service', 'notification-service'] as const;
/** A drill: lead-in, the fault (a rollout takes minutes on two cores), tail, recovery, settling. */
const DRILL_TIMEOUT_MS = 20 * 60_000;

/**
 * The orders whose first attempt fell inside the fault: proof that the stream
 * really ran through it, and how the service answered meanwhile.
 */
function duringFault(stream: OrderStream, fault: FaultReport) {
  const inside = stream.orders.filter((order) => order.placedAt >= fault.startedAt && order.placedAt <= fault.endedAt);
  const acceptedAtOnce = inside.filter((order) => order.accepted && order.attempts.length === 1).length;
  return { placedDuringFault: inside.length, acceptedAtOnceDuringFault: acceptedAtOnce };
}

/** A drill on the cluster: 2 orders a second through the public Service, 10 s before and after the fault. */
function clusterDrill(plan: Pick<DrillPlan, 'name' | 'fault' | 'stage'>): Promise<DrillResult> {
  return runDrill({
    ...plan,
    system: clusterSystem,
    entryPoints: [publicEntry],
    record: false,
    ratePerSecond: 2,
    leadInMs: 10_000,
    tailMs: 10_000,
    recoveryDeadlineMs: 180_000,
    measure: duringFault,
  });
}

function expectNothingLostOrDuplicated(result: DrillResult): void {
  console.log(summary(result));
  expect(result.problems).toEqual([]);
  expect(result.duplicates).toBe(0);
  expect(result.missingEmails).toBe(0);
  expect(result.ordersPlaced).toBeGreaterThan(20);
  expect(result.emailsSent).toBe(result.ordersPlaced);
  expect(result.recovered).toBe(true);
  // The stream ran through the fault (2 a second, for the whole rollout or deletion) ...
  expect(result.notes.placedDuringFault).toBeGreaterThanOrEqual(10);
  // ... and the service kept answering: with maxUnavailable 0, a PodDisruptionBudget and
  // readiness gates, all but a few orders placed meanwhile were taken on their first try.
  expect(result.notes.acceptedAtOnceDuringFault as number).toBeGreaterThanOrEqual(0.9 * (result.notes.placedDuringFault as number));
}

describe('the installed chart under a stream of orders', () => {
  it('rolls every Deployment to a new image tag by helm upgrade with 0 orders lost and 0 e-mails duplicated', () =>
    withDiagnostics(async () => {
      const tag = `rollout-${Date.now().toString(36)}`;
      // The same images under a new tag: what a release pipeline pushes; Kubernetes sees a new image and rolls.
      for (const service of SERVICES) {
        const image = cluster.appImages[service]!;
        await ctr(['images', 'tag', '--force', image, `${image.replace(/:[^:]+$/, '')}:${tag}`]);
      }
      const result = await clusterDrill({
        name: 'cluster: rolling update',
        fault: `helm upgrade --set image.tag=${tag} (every Deployment rolls, one pod at a time)`,
        stage: async () => {
          const startedAt = Date.now();
          await upgradeRelease(['--set', `image.tag=${tag}`]);
          await releaseSettled();
          return { startedAt, endedAt: Date.now() };
        },
      });
      for (const service of SERVICES) {
        const images = (await podsOf(service)).map((pod) => pod.spec.containers.find((c: any) => c.name === service).image);
        expect(images).toEqual([expect.stringMatching(new RegExp(`:${tag}$`)), expect.stringMatching(new RegExp(`:${tag}$`))]);
      }
      expectNothingLostOrDuplicated(result);
    }),
    DRILL_TIMEOUT_MS,
  );

  it('loses and duplicates nothing when one pod of each service is deleted at once', () =>
    withDiagnostics(async () => {
      const result = await clusterDrill({
        name: 'cluster: pods deleted',
        fault: 'kubectl delete pod: one pod of each service, at the same moment',
        stage: async () => {
          // Victims among pods that are Ready and not already on their way out.
          const victims = await Promise.all(SERVICES.map(async (service) => (await readyPodsOf(service))[0].metadata.name as string));
          const startedAt = Date.now();
          await kubectl(['-n', cluster.namespace, 'delete', 'pod', ...victims, '--wait=true']);
          await releaseSettled();
          return { startedAt, endedAt: Date.now(), notes: { deleted: victims } };
        },
      });
      expectNothingLostOrDuplicated(result);
    }),
    DRILL_TIMEOUT_MS,
  );
});
