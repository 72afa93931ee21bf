// charts/orderflow, installed by `helm install` on a real Kubernetes (the local
// cluster of `npm run k8s`): what the install itself must have left running.
import fs from 'node:fs';
import path from 'node:path';
import { cluster, diagnose, getJson, helm, kubectl, podsOf, query, withDiagnostics } from './support/cluster';

const SERVICES = ['order-service', 'payment-service', 'notification-service'] as const;

describe('charts/orderflow installed on the local cluster', () => {
  it.each(SERVICES)('runs every %s pod Ready beside a daprd sidecar of our build, with the image built from the Dockerfile', (service) =>
    withDiagnostics(async () => {
      const pods = await podsOf(service);
      expect(pods).toHaveLength(2);
      for (const pod of pods) {
        const containers = Object.fromEntries(pod.spec.containers.map((c: any) => [c.name, c.image]));
        expect(containers).toEqual({ [service]: cluster.appImages[service], daprd: cluster.sidecarImage });
        const statuses = pod.status.containerStatuses as { name: string; ready: boolean }[];
        expect(statuses.map(({ name, ready }) => [name, ready]).sort()).toEqual([['daprd', true], [service, true]]);
      }
    }),
  );

  it.each(SERVICES)("made %s's tables with its migration hook (the database was empty before the install)", (service) =>
    withDiagnostics(async () => {
      const hooks = await helm(['get', 'hooks', cluster.release, '--namespace', cluster.namespace]);
      expect(hooks).toContain(`name: ${cluster.release}-${service}-migrate`);
      const rows = await query<{ name: string }>(service, 'select name from knex_migrations order by id');
      const files = fs
        .readdirSync(path.resolve(__dirname, `../../apps/${service}/src/data/migrations`))
        .filter((file) => /^\d{3}-.+\.ts$/.test(file))
        .map((file) => file.replace(/\.ts$/, ''))
        .sort();
      expect(rows?.map((row) => row.name)).toEqual(files);
    }),
  );

  it("runs under Dapr's control plane from Dapr's own chart with mTLS on: each sidecar of the release holds a workload certificate from Sentry", () =>
    withDiagnostics(async () => {
      const daprsystem = await getJson(['-n', 'dapr-system', 'get', 'configurations.dapr.io', 'daprsystem']);
      expect(daprsystem.spec.mtls.enabled).toBe(true);
      const releases = await getJson<{ items: any[] }>(['-n', 'dapr-system', 'get', 'secrets', '-l', 'owner=helm,name=dapr']);
      expect(releases.items.length).toBeGreaterThan(0);
      for (const service of SERVICES) {
        const [pod] = await podsOf(service);
        const log = await kubectl(['-n', cluster.namespace, 'logs', pod.metadata.name, '-c', 'daprd']);
        expect(log).toMatch(/workload identity expiry watcher/);
      }
    }),
  );
});

const BROKEN_NAMESPACE = 'orderflow-diagnostics-check';

describe('what a failing cluster test shows', () => {
  afterAll(() => kubectl(['delete', 'namespace', BROKEN_NAMESPACE, '--ignore-not-found', '--wait=false']));

  it("names a pod that does not start, with the namespace's events and its container's last log lines", async () => {
    await kubectl(['apply', '-f', '-'], `apiVersion: v1
kind: Namespace
metadata: {name: ${BROKEN_NAMESPACE}}
---
apiVersion: v1
kind: Pod
metadata: {name: crashes, namespace: ${BROKEN_NAMESPACE}}
spec:
  containers:
  - name: app
    image: ${cluster.appImages['order-service']}
    imagePullPolicy: Never
    command: ["node", "-e", "console.error('configuration refused: DATABASE_URL'); process.exit(3)"]
`);
    // Crashed at least once, and now waiting to start again: its last run's log is there to read.
    await kubectl(['-n', BROKEN_NAMESPACE, 'wait', '--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=CrashLoopBackOff', 'pod/crashes', '--timeout=120s']);
    const shown = await diagnose(BROKEN_NAMESPACE);
    expect(shown).toContain('crashes');
    expect(shown).toMatch(/--- events[\s\S]*(BackOff|Started|Created)/);
    expect(shown).toMatch(/--- logs crashes -c app\n[^-]*configuration refused: DATABASE_URL/);
  }, 180_000);
});
