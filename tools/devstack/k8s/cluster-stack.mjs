// orderflow on the local cluster, the whole of it: the node with Dapr's control
// plane (node.mjs, app-images.mjs, dapr.mjs), the infrastructure on this
// machine published into it (infrastructure.mjs), charts/orderflow installed
// (orderflow-release.mjs), and a door from 127.0.0.1 to order-service's public
// Service. `npm run k8s -- start` and `npm test`'s cluster suite both run it.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, settings } from '../lib/settings.mjs';
import { info, SetupError, step } from '../lib/step.mjs';
import { chartAppVersion, ensureAppImages, SERVICES } from './app-images.mjs';
import { openBridge } from './bridge.mjs';
import { ensureClusterBinaries, ensureDebianPackages, K8S_DIR } from './build.mjs';
import { localImage } from './config.mjs';
import { helmArgv, helmHome, installDapr, TAG as DAPR_TAG } from './dapr.mjs';
import { exposeInfrastructure, infraHost, INFRA_SERVICES } from './infrastructure.mjs';
import { paths } from './layout.mjs';
import { inSandboxArgv, kubectl, kubectlArgv, livePid, up } from './node.mjs';
import { CHART, installOrderflow, LOCAL_VALUES, RELEASE, RELEASE_NAMESPACE, RUN_VALUES, writeRunValues } from './orderflow-release.mjs';

export { removeEarlierRelease } from './orderflow-release.mjs';

export function requireRoot() {
  if (process.getuid?.() !== 0) {
    throw new SetupError('the local cluster needs root (it creates namespaces, mounts and cgroups)', {
      hint: 'run it as root, e.g. sudo npm run k8s -- up',
    });
  }
}

/** The node Ready with CoreDNS, our three images and Dapr's control plane; each step does only what is not done. */
export async function ensureClusterWithDapr({ helm }) {
  requireRoot();
  await ensureDebianPackages();
  await ensureClusterBinaries();
  if (!livePid('kube-apiserver') || !livePid('kubelet')) await up();
  await step('Service images from the Dockerfile (buildah), into the node', () => ensureAppImages());
  await installDapr({ helm });
}

/**
 * PostgreSQL, Kafka (with the cluster's listener), MailDev and the development
 * issuer (HTTPS) on this machine, published into the node; then the release.
 * Resolves with { publicUrl, issuer, bridge, close }. Expects PostgreSQL
 * running with the service databases (the caller's prepare step).
 */
export async function startOrderflowOnCluster({ helm, postgres }) {
  const bridge = await openBridge();
  try {
    const kafka = await import('../pieces/kafka.mjs');
    await step('Starting Kafka (with a listener for the cluster)', () =>
      kafka.startKafka({ clusterListener: { port: settings.kafka.clusterPort, advertised: `${infraHost('kafka')}:${INFRA_SERVICES.kafka}` } }),
    );
    await step('Kafka topics', () => kafka.createTopics());
    const { startMailDev } = await import('../pieces/maildev.mjs');
    // No login: the sink has no TLS to carry one (smtp.requireTLS false in the values).
    await step('Starting MailDev (SMTP + web inbox)', () => startMailDev());
    const { startDevIssuer } = await import('../pieces/dev-issuer.mjs');
    const publicIssuer = `https://${infraHost('login')}:${INFRA_SERVICES.login}`;
    const issuer = await step('Starting the development issuer (HTTPS, a CA of this run)', () =>
      // Any free port (DEV_ISSUER_PORT is the e2e stack's, which may still hold it): the pods reach it through the bridge.
      startDevIssuer({ port: 0, tls: { publicUrl: publicIssuer, dir: path.join(K8S_DIR, 'issuer-tls') } }),
    );
    await step('Publishing PostgreSQL, Kafka, SMTP and the issuer into the node (Services without selectors)', () =>
      exposeInfrastructure(bridge, {
        postgres: settings.postgres.port,
        kafka: settings.kafka.clusterPort,
        smtp: settings.smtp.port,
        login: issuer.port,
      }),
    );
    const inCluster = (service) => {
      const url = new URL(postgres.databaseUrl(service, { variant: 'cluster' }));
      url.hostname = infraHost('postgres');
      url.port = String(INFRA_SERVICES.postgres);
      return url.toString();
    };
    writeRunValues({
      caCert: fs.readFileSync(issuer.caCertFile, 'utf8'),
      sidecarImage: localImage('dapr/daprd', DAPR_TAG),
      databaseUrls: {
        orderService: inCluster('order-service'),
        paymentService: inCluster('payment-service'),
        notificationService: inCluster('notification-service'),
      },
    });
    await step(`helm install charts/orderflow (namespace ${RELEASE_NAMESPACE}): migration hooks, then every pod Ready beside its sidecar`, () =>
      installOrderflow(helm),
    );
    const publicUrl = await publicEntry(bridge);
    info(`order-service's public Service: ${publicUrl}`);
    return { publicUrl, issuer, bridge, close: () => Promise.all([bridge.close(), issuer.close()]) };
  } catch (error) {
    await bridge.close();
    throw error;
  }
}

/** A door from 127.0.0.1 to order-service's public Service (what an Ingress would reach). */
async function publicEntry(bridge) {
  const service = JSON.parse(await kubectl(['-n', RELEASE_NAMESPACE, 'get', 'service', `${RELEASE}-order-service`, '-o', 'json']));
  const port = await bridge.reach(service.spec.clusterIP, service.spec.ports[0].port);
  return `http://127.0.0.1:${port}`;
}

/** What the cluster tests (charts/cluster-test) need to know, as ORDERFLOW_CLUSTER. */
export async function clusterTestSetup({ publicUrl, helm, postgres }) {
  return {
    publicUrl,
    kubectl: inSandboxArgv(kubectlArgv(), { mounts: false }),
    helm: inSandboxArgv(helmArgv(helm), { mounts: false }),
    helmEnv: helmHome(),
    // The one account of the cluster's state (`npm run k8s -- diagnose`), for a failing test's message.
    diagnose: [process.execPath, path.join(ROOT, 'scripts', 'k8s.mjs'), 'diagnose'],
    ctr: ['ctr', '-a', paths.containerdSocket, '-n', 'k8s.io'],
    release: RELEASE,
    namespace: RELEASE_NAMESPACE,
    chart: CHART,
    valuesFiles: [LOCAL_VALUES, RUN_VALUES],
    databaseUrls: Object.fromEntries(SERVICES.map((service) => [service, postgres.databaseUrl(service, { variant: 'cluster' })])),
    sidecarImage: localImage('dapr/daprd', DAPR_TAG),
    appImages: Object.fromEntries(SERVICES.map((service) => [service, localImage(`orderflow/${service}`, chartAppVersion())])),
  };
}
