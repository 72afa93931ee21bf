// The local Kubernetes cluster as `npm test`'s cluster suite set it up
// (tools/devstack/k8s/cluster-stack.mjs): charts/orderflow installed, the public
// Service reached from 127.0.0.1 through the bridge, kubectl and helm inside
// the node's network namespace, and the services' databases, Kafka and MailDev
// on this machine (the "managed services" the pods reach through Services
// without selectors).
import { execFile } from 'node:child_process';
import knex from 'knex';
import type { OrderEntryPoint, OrderSystem } from '../../../e2e/support/drill';
import { http } from '../../../e2e/support/stack';
import { asCustomer } from '../../../e2e/support/tokens';

interface ClusterSetup {
  publicUrl: string;
  kubectl: string[];
  helm: string[];
  helmEnv: Record<string, string>;
  /** ctr against the node's containerd (namespace k8s.io, the kubelet's). */
  ctr: string[];
  /** `npm run k8s -- diagnose`, to which a namespace is added. */
  diagnose: string[];
  release: string;
  namespace: string;
  chart: string;
  valuesFiles: string[];
  databaseUrls: Record<'order-service' | 'payment-service' | 'notification-service', string>;
  sidecarImage: string;
  appImages: Record<string, string>;
}

function setup(): ClusterSetup {
  const raw = process.env.ORDERFLOW_CLUSTER;
  if (!raw) throw new Error('ORDERFLOW_CLUSTER is not set: run the cluster suite through `npm test -- cluster`');
  return JSON.parse(raw) as ClusterSetup;
}

export const cluster = setup();

function runTool(prefix: string[], args: string[], { input, env }: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    // Shorter than any test's timeout, so that a hung kubectl or helm ends before its test does.
    const child = execFile(prefix[0]!, [...prefix.slice(1), ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 12 * 60_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${prefix.at(-1)} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

export const kubectl = (args: string[], input?: string) => runTool(cluster.kubectl, args, { input });
export const helm = (args: string[]) => runTool(cluster.helm, args, { env: cluster.helmEnv });
export const ctr = (args: string[]) => runTool(cluster.ctr, args);

/** helm upgrade of the release with the install's values files and `extra` (e.g. --set image.tag=...). */
export function upgradeRelease(extra: string[]): Promise<string> {
  return helm(['upgrade', cluster.release, cluster.chart, '--namespace', cluster.namespace, ...cluster.valuesFiles.flatMap((file) => ['-f', file]), ...extra, '--wait', '--timeout', '10m']);
}

/** kubectl get ... -o json, parsed. */
export async function getJson<T = any>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

/** Every pod of one service of the release (app.kubernetes.io/component), those being deleted too. */
async function allPodsOf(service: string): Promise<any[]> {
  return (await getJson<{ items: any[] }>(['-n', cluster.namespace, 'get', 'pods', '-l', `app.kubernetes.io/component=${service}`])).items;
}

/** The release's pods of one service, those being deleted left out. */
export async function podsOf(service: string): Promise<any[]> {
  return (await allPodsOf(service)).filter((pod) => !pod.metadata.deletionTimestamp);
}

/** Waits until the service has exactly `count` pods, none being deleted, all Ready; resolves with them. */
export async function readyPodsOf(service: string, count = 2, timeoutMs = 300_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await allPodsOf(service);
    const ready = all.filter((pod) => !pod.metadata.deletionTimestamp && pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    if (all.length === count && ready.length === count) return ready;
    if (Date.now() > deadline) throw new Error(`${service}: ${ready.length} of ${all.length} pods Ready, expected exactly ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Runs `script` with node in the app container of one pod of the Deployment (its env holds DAPR_API_TOKEN). */
export function nodeInPod(namespace: string, deployment: string, script: string): Promise<string> {
  return kubectl(['-n', namespace, 'exec', `deploy/${deployment}`, '-c', deployment.replace(/^orderflow-/, ''), '--', 'node', '-e', script]);
}

/** The public Service: what an Ingress reaches; customers with a bearer token. */
export const publicEntry: OrderEntryPoint = { name: 'public Service', baseUrl: cluster.publicUrl };

/** A query on a service's own database (on this machine); undefined when it cannot be asked. */
export async function query<T>(service: keyof ClusterSetup['databaseUrls'], sql: string, values: readonly unknown[] = []): Promise<T[] | undefined> {
  const db = knex({ client: 'pg', connection: cluster.databaseUrls[service], pool: { min: 0, max: 1 } });
  try {
    return (await db.raw(sql.replace(/\$\d+/g, '?'), values as any[])).rows as T[];
  } catch {
    return undefined;
  } finally {
    await db.destroy();
  }
}

/**
 * Orders on the cluster: placed through the public Service with the customer's
 * token, listed there as the customer; payments and e-mails owed read from the
 * services' own databases (payment-service's API is not reachable from outside,
 * by design).
 */
export const clusterSystem: OrderSystem = {
  place: (entry, body, idempotencyKey) =>
    http('POST', `${entry.baseUrl}/orders`, body, { 'idempotency-key': idempotencyKey, ...asCustomer(body.customer.id) }),
  async ordersOf(customerId) {
    try {
      const answer = await http('GET', `${cluster.publicUrl}/orders`, undefined, asCustomer(customerId));
      return answer.status === 200 ? answer.body.items : undefined;
    } catch {
      return undefined;
    }
  },
  paymentsFor: (reference) => query('payment-service', 'select id from payments where order_reference = $1', [reference]),
  notificationsFor: (reference) =>
    query<{ status: string; attempts: number; lastError: string | null }>(
      'notification-service',
      'select status, attempts, last_error as "lastError" from notifications where order_reference = $1',
      [reference],
    ),
};

/** The cluster's state for a namespace (`npm run k8s -- diagnose`): pods, events, logs of containers not ready. */
export function diagnose(namespace = cluster.namespace): Promise<string> {
  return runTool(cluster.diagnose, [namespace]);
}

/** Runs a test's body; when it fails, the failure carries the cluster's state (pods, events, logs). */
export async function withDiagnostics(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const state = await diagnose().catch((e: Error) => `(no diagnostics: ${e.message})`);
    (error as Error).message += `\n\nThe cluster when the test failed:\n${state}`;
    throw error;
  }
}

/** Waits until every Deployment of the release has all its replicas updated and available. */
export async function releaseSettled(timeoutMs = 300_000): Promise<void> {
  await kubectl(['-n', cluster.namespace, 'wait', '--for=condition=Available', 'deployment', '--all', `--timeout=${Math.round(timeoutMs / 1000)}s`]);
  for (const service of ['order-service', 'payment-service', 'notification-service']) {
    await kubectl(['-n', cluster.namespace, 'rollout', 'status', `deployment/${cluster.release}-${service}`, `--timeout=${Math.round(timeoutMs / 1000)}s`]);
    // rollout status may finish while old pods are still in their grace period.
    await readyPodsOf(service, 2, timeoutMs);
  }
}
