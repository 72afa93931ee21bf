// PostgreSQL, Kafka, the SMTP sink and the customers' issuer, as the local
// cluster's pods see them: managed services outside the cluster, each behind a
// Service without a selector in the namespace orderflow-infra whose
// EndpointSlice points at the node IP, where the bridge (bridge.mjs) hands the
// connection to the process on this machine's loopback. The pods use the
// Services' DNS names, exactly as they would a cloud database's.
//
// Why outside the cluster: it is how most teams run them (a managed database
// and broker), the same processes and scripts as `npm start` serve them, and
// the node (two cores) is left to what the chart installs.
import { info, SetupError, waitFor } from '../lib/step.mjs';
import { network } from './layout.mjs';
import { kubectl } from './node.mjs';

export const INFRA_NAMESPACE = 'orderflow-infra';

/** The Services the pods use: name → the port on the node IP (and the Service's port). */
export const INFRA_SERVICES = Object.freeze({
  postgres: 5432,
  kafka: 9094,
  smtp: 1025,
  login: 8443,
});

/** The DNS name a pod reaches one of them by. */
export function infraHost(name) {
  return `${name}.${INFRA_NAMESPACE}.svc.${network.clusterDomain}`;
}

function manifest() {
  const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${INFRA_NAMESPACE}}\n`];
  for (const [name, port] of Object.entries(INFRA_SERVICES)) {
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${INFRA_NAMESPACE}}
spec:
  ports: [{name: tcp, port: ${port}, targetPort: ${port}, protocol: TCP}]
`);
    docs.push(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}-node
  namespace: ${INFRA_NAMESPACE}
  labels: {kubernetes.io/service-name: ${name}}
addressType: IPv4
ports: [{name: tcp, port: ${port}, protocol: TCP}]
endpoints: [{addresses: ["${network.nodeIp}"], conditions: {ready: true}}]
`);
  }
  return docs.join('---\n');
}

/**
 * Publishes each local process into the node (bridge.publish) and creates the
 * Services; resolves once every Service answers TCP through kube-proxy (in its
 * first second a new Service still answers EHOSTUNREACH).
 * `hostPorts`: { postgres, kafka, smtp, login } → the port on 127.0.0.1 here.
 */
export async function exposeInfrastructure(bridge, hostPorts) {
  for (const [name, port] of Object.entries(INFRA_SERVICES)) {
    if (!hostPorts[name]) throw new SetupError(`no local port given for ${name}`);
    await bridge.publish(port, hostPorts[name]);
  }
  await kubectl(['apply', '-f', '-'], { input: manifest() });
  for (const [name, port] of Object.entries(INFRA_SERVICES)) {
    const clusterIp = (await kubectl(['-n', INFRA_NAMESPACE, 'get', 'service', name, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    await waitFor(`${infraHost(name)}:${port} (Service ${clusterIp}) answering from inside the node`, () => bridge.probe(clusterIp, port), {
      timeoutMs: 30_000,
      intervalMs: 250,
      hint: `npm run k8s -- kubectl -n ${INFRA_NAMESPACE} get services,endpointslices; is the local ${name} running on 127.0.0.1:${hostPorts[name]}?`,
    });
  }
  info(`pods reach ${Object.keys(INFRA_SERVICES).map((name) => infraHost(name)).join(', ')}`);
}
