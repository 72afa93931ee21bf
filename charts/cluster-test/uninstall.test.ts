// Last of the cluster suite: `helm uninstall` takes away everything the chart
// made, except what its README says stays (the database Secret, a Helm hook).
import { eventually } from '../../e2e/support/stack';
import { cluster, getJson, helm, kubectl, withDiagnostics } from './support/cluster';

/** Every listable kind, namespaced or cluster-scoped (events left out: they outlive what they describe by design). */
async function kinds(namespaced: boolean): Promise<string[]> {
  return (await kubectl(['api-resources', '--verbs=list', `--namespaced=${namespaced}`, '-o', 'name']))
    .split('\n')
    .filter((kind) => kind && !/^events(\.events\.k8s\.io)?$/.test(kind));
}

const named = (items: any[]) => items.map((item) => `${item.kind}/${item.metadata.namespace ? `${item.metadata.namespace}/` : ''}${item.metadata.name}`).sort();

describe('helm uninstall of the chart', () => {
  it('leaves only what the chart README says stays: the database Secret; nothing of the release in any namespace or cluster-wide', () =>
    withDiagnostics(async () => {
      await helm(['uninstall', cluster.release, '--namespace', cluster.namespace, '--wait', '--timeout', '5m']);
      await kubectl(['-n', cluster.namespace, 'wait', '--for=delete', 'pod', '--all', '--timeout=180s']);
      // Dapr's operator made a <app-id>-dapr Service per Deployment; they go with their Deployments (garbage collection).
      await eventually('the operator\'s -dapr Services gone', async () => {
        const services = await getJson<{ items: any[] }>(['-n', cluster.namespace, 'get', 'services']);
        return services.items.length === 0 ? true : undefined;
      }, 120_000);

      const namespacedKinds = (await kinds(true)).join(',');
      const inNamespace = named((await getJson<{ items: any[] }>(['-n', cluster.namespace, 'get', namespacedKinds])).items);
      expect(inNamespace).toEqual(
        [
          `Secret/${cluster.namespace}/${cluster.release}-database`,
          // Every namespace has these; Kubernetes makes them, not the chart.
          `ConfigMap/${cluster.namespace}/kube-root-ca.crt`,
          `ServiceAccount/${cluster.namespace}/default`,
        ].sort(),
      );
      const label = `app.kubernetes.io/instance=${cluster.release}`;
      const elsewhere = named((await getJson<{ items: any[] }>(['get', namespacedKinds, '--all-namespaces', '-l', label])).items).filter(
        (name) => !name.startsWith(`Secret/${cluster.namespace}/`),
      );
      expect(elsewhere).toEqual([]);
      const clusterWide = named((await getJson<{ items: any[] }>(['get', (await kinds(false)).join(','), '-l', label])).items);
      expect(clusterWide).toEqual([]);
    }),
    10 * 60_000,
  );
});
