// Last of the cluster suite: `helm uninstall` takes away everything the chart
// made, except what its README says stays (the database Secret, a Helm hook).
import { cluster, getJson, helm, kubectl, withDiagnostics } from './support/cluster';

/** Every object in the namespace, as "kind/name", of every namespaced kind that can be listed. */
async function everythingIn(namespace: string): Promise<string[]> {
  const kinds = (await kubectl(['api-resources', '--verbs=list', '--namespaced', '-o', 'name']))
    .split('\n')
    .filter((kind) => kind && !/^(events|events\.events\.k8s\.io)$/.test(kind));
  const list = await getJson<{ items: any[] }>(['-n', namespace, 'get', kinds.join(',')]);
  return list.items.map((item) => `${item.kind}/${item.metadata.name}`).sort();
}

describe('helm uninstall of the chart', () => {
  it('leaves in the namespace only what the chart README says stays: the database Secret', () =>
    withDiagnostics(async () => {
      await helm(['uninstall', cluster.release, '--namespace', cluster.namespace, '--wait', '--timeout', '5m']);
      // Pods end after their grace period; the operator's -dapr Services go with their Deployments.
      await kubectl(['-n', cluster.namespace, 'wait', '--for=delete', 'pod', '--all', '--timeout=180s']);
      const left = await everythingIn(cluster.namespace);
      const expected = [
        `Secret/${cluster.release}-database`,
        // Every namespace has these; Kubernetes makes them, not the chart.
        'ConfigMap/kube-root-ca.crt',
        'ServiceAccount/default',
      ].sort();
      expect(left).toEqual(expected);
    }),
    10 * 60_000,
  );
});
