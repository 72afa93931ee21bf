// charts/orderflow on the local cluster: install (or upgrade) it with
// charts/local-cluster-values.yaml plus what changes per run, wait until every
// pod is Ready beside its sidecar, and say what went wrong when it does not:
// the pods, their events and the logs of every container that is not ready.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib/settings.mjs';
import { SetupError } from '../lib/step.mjs';
import { K8S_DIR } from './build.mjs';
import { helmRun } from './dapr.mjs';
import { kubectl } from './node.mjs';

export const RELEASE = 'orderflow';
export const RELEASE_NAMESPACE = 'orderflow';
export const CHART = path.join(ROOT, 'charts', 'orderflow');
export const LOCAL_VALUES = path.join(ROOT, 'charts', 'local-cluster-values.yaml');
/** The per-run values (database passwords among them): mode 600, never committed. */
export const RUN_VALUES = path.join(K8S_DIR, 'orderflow-run-values.yaml');

/** `values`: { caCert (PEM text), databaseUrls: { orderService, paymentService, notificationService }, sidecarImage }. */
export function writeRunValues({ caCert, databaseUrls, sidecarImage }) {
  const indent = (text) => text.trim().split('\n').map((line) => `    ${line}`).join('\n');
  fs.mkdirSync(K8S_DIR, { recursive: true });
  fs.rmSync(RUN_VALUES, { force: true });
  fs.writeFileSync(RUN_VALUES, `# Written by tools/devstack/k8s/orderflow-release.mjs for this run.
auth:
  caCert: |
${indent(caCert)}
dapr:
  sidecarImage: ${JSON.stringify(sidecarImage)}
database:
  urls:
    orderService: ${JSON.stringify(databaseUrls.orderService)}
    paymentService: ${JSON.stringify(databaseUrls.paymentService)}
    notificationService: ${JSON.stringify(databaseUrls.notificationService)}
`, { mode: 0o600 });
  return RUN_VALUES;
}

/**
 * helm upgrade --install with both values files and `extra` arguments (e.g.
 * --set image.tag=...); --wait: every Deployment rolled out, its pods Ready.
 */
export async function installOrderflow(helm, extra = []) {
  try {
    return await helmRun(helm, ['upgrade', '--install', RELEASE, CHART, '--namespace', RELEASE_NAMESPACE, '--create-namespace',
      '-f', LOCAL_VALUES, '-f', RUN_VALUES, ...extra, '--wait', '--timeout', '10m']);
  } catch (error) {
    throw new SetupError(`helm upgrade --install ${RELEASE} failed: ${error.message.split('\n')[0]}\n${await diagnose()}`, {
      hint: `npm run k8s -- kubectl -n ${RELEASE_NAMESPACE} get pods,jobs,events`,
    });
  }
}

/** Namespaces the cluster tests make besides the release's (charts/cluster-test). */
const TEST_NAMESPACES = ['orderflow-intruder', 'orderflow-diagnostics-check'];

/**
 * What an interrupted earlier run may have left on the node (etcd keeps it
 * across `down`/`up`): the release, in whatever state (a `pending-upgrade`
 * blocks every later helm command), its namespace and the tests' namespaces.
 */
export async function removeEarlierRelease(helm) {
  await helmRun(helm, ['uninstall', RELEASE, '--namespace', RELEASE_NAMESPACE, '--ignore-not-found', '--wait', '--timeout', '5m']);
  await kubectl(['delete', 'namespace', RELEASE_NAMESPACE, ...TEST_NAMESPACES, '--ignore-not-found', '--wait=true', '--timeout=180s']);
}

/**
 * What to look at when the release misbehaves: the namespace's pods and jobs,
 * its latest events, and the last log lines of every container that is not
 * ready or has restarted (with the run before the restart, when Kubernetes
 * still has it). `npm run k8s -- diagnose [namespace]` prints it; a failed
 * install and a failing cluster test carry it.
 */
export async function diagnose(namespace = RELEASE_NAMESPACE) {
  const out = [];
  const attempt = async (title, args, lines = 40) => {
    const text = await kubectl(args).catch((error) => `(${error.message.split('\n')[0]})`);
    out.push(`--- ${title}\n${text.trim().split('\n').slice(-lines).join('\n')}`);
  };
  await attempt('pods and jobs', ['-n', namespace, 'get', 'pods,jobs', '-o', 'wide']);
  await attempt('events (latest 40)', ['-n', namespace, 'get', 'events', '--sort-by=.lastTimestamp']);
  const pods = JSON.parse(await kubectl(['-n', namespace, 'get', 'pods', '-o', 'json']).catch((error) => {
    out.push(`--- pods: ${error.message.split('\n')[0]}`);
    return '{"items":[]}';
  })).items;
  for (const pod of pods) {
    for (const status of pod.status?.containerStatuses ?? []) {
      if (status.ready && !status.restartCount) continue;
      const logs = ['-n', namespace, 'logs', pod.metadata.name, '-c', status.name, '--tail=30'];
      await attempt(`logs ${pod.metadata.name} -c ${status.name}`, logs, 30);
      // The run before a restart, when Kubernetes still has it (it may not, for a moment, while the container restarts).
      if (status.restartCount) await attempt(`logs ${pod.metadata.name} -c ${status.name} --previous`, [...logs, '--previous'], 30);
    }
  }
  return out.join('\n');
}
