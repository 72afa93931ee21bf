// Dapr's control plane on the local cluster, from Dapr's own Helm chart
// (charts/dapr in the github.com/dapr/dapr module, the version our daprd is
// built from), mTLS on (the chart's default), every image built here:
//
//   operator, injector, sentry   built from the same module (its own go.mod
//                                and go.sum, as released), into .local/k8s/bin/dapr/
//   daprd                        OUR build (dapr/daprd: our components, our SMTP
//                                binding), the sidecar the injector adds to our pods
//
// Not installed: placement (no actors here) and the scheduler (a StatefulSet
// whose volume needs a provisioner this node does not have; no workflows or
// jobs here).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib/settings.mjs';
import { info, run, SetupError, step, waitFor } from '../lib/step.mjs';
import { isExecutable, readStamp, writeStamp } from '../lib/local-files.mjs';
import { DAPR_PINS } from '../pieces/dapr-toolchain.mjs';
import { BIN, K8S_DIR, moduleDir } from './build.mjs';
import { LOCAL_REGISTRY, localImage } from './config.mjs';
import { chartAppVersion, ensureDaprdImage } from './app-images.mjs';
import { importImage, packImage } from './images.mjs';
import { inSandbox, kubectl } from './node.mjs';
import { paths } from './layout.mjs';
import { reportAndGoOn } from '../lib/errors.mjs';

const CONTROL_PLANE = ['operator', 'injector', 'sentry'];
const DAPR_BIN = path.join(BIN, 'dapr');
/** What the child process that builds our daprd imports (a URL: its cwd is not this folder). */
export const DAPR_TOOLCHAIN_MODULE = new URL('../pieces/dapr-toolchain.mjs', import.meta.url).href;
const STAMP = path.join(K8S_DIR, 'build-stamp.json');
/** The images' tag: the Dapr release without its "v". */
export const TAG = DAPR_PINS.dapr.slice(1);
const NAMESPACE = 'dapr-system';

const GO_ENV = { CGO_ENABLED: '0', GOWORK: 'off', GOFLAGS: '-buildvcs=false' };

async function ensureControlPlaneBinaries() {
  const go = (await run('go', ['version'])).trim();
  const ldflags = [
    '-s', '-w',
    `-X github.com/dapr/dapr/pkg/buildinfo.version=${TAG}`,
    `-X github.com/dapr/dapr/pkg/buildinfo.gitcommit=${DAPR_PINS.daprCommit}`,
    `-X github.com/dapr/dapr/pkg/buildinfo.gitversion=${DAPR_PINS.dapr}`,
  ].join(' ');
  const inputs = JSON.stringify([go, DAPR_PINS.dapr, ldflags]);
  if (readStamp(STAMP).daprControlPlane === inputs && CONTROL_PLANE.every((name) => isExecutable(path.join(DAPR_BIN, name)))) return;
  const dir = await moduleDir(`github.com/dapr/dapr@${DAPR_PINS.dapr}`);
  fs.mkdirSync(DAPR_BIN, { recursive: true });
  await step(`Building Dapr ${DAPR_PINS.dapr} operator, injector and sentry (cold about 6-10 minutes)`, () =>
    run('nice', ['-n', '19', 'ionice', '-c3', 'go', 'build', '-trimpath', '-ldflags', ldflags, '-o', `${DAPR_BIN}/`,
      ...CONTROL_PLANE.map((name) => `./cmd/${name}`)], { cwd: dir, env: GO_ENV }),
  );
  writeStamp(STAMP, { ...readStamp(STAMP), daprControlPlane: inputs });
}

/**
 * Our daprd, built as `npm start` builds it (tools/devstack/pieces/dapr-toolchain.mjs),
 * in a child process at the lowest priority (the toolchain's own go builds
 * inherit it).
 */
async function ensureOurDaprd() {
  const script = `import(${JSON.stringify(DAPR_TOOLCHAIN_MODULE)}).then(async (m) => { const t = await m.ensureDaprToolchain(); console.log('DAPRD=' + t.daprd); })`;
  const output = await run('nice', ['-n', '19', 'ionice', '-c3', process.execPath, '--input-type=module', '-e', script], { cwd: ROOT });
  return /^DAPRD=(.+)$/m.exec(output)[1];
}

export async function installDapr({ helm }) {
  await ensureControlPlaneBinaries();
  const daprd = await step('Our daprd (dapr/daprd, as npm start builds it)', () => ensureOurDaprd());
  await step('Dapr images (operator, injector, sentry, our daprd), imported into the node', async () => {
    for (const name of CONTROL_PLANE) {
      const ref = localImage(`dapr/${name}`, TAG);
      // Dapr's chart runs everything with runAsNonRoot.
      await importImage(ref, await packImage({ ref, files: { [`/${name}`]: path.join(DAPR_BIN, name) }, entrypoint: [`/${name}`], user: '65532:65532' }));
    }
    info(`sidecar image: ${await ensureDaprdImage({ daprd, tag: TAG })}`);
  });
  const values = path.join(K8S_DIR, 'dapr-values.yaml');
  fs.writeFileSync(values, `# Written by tools/devstack/k8s/dapr.mjs: Dapr's chart with the images built here.
global:
  registry: ${LOCAL_REGISTRY}/dapr
  tag: "${TAG}"
  imagePullPolicy: Never
  mtls:
    enabled: true
  actors:
    enabled: false
  scheduler:
    enabled: false
  prometheus:
    enabled: false
  ha:
    enabled: false
dapr_sidecar_injector:
  image:
    name: "${localImage('dapr/daprd', TAG)}"
  sidecarImagePullPolicy: Never
`);
  const chart = path.join(await moduleDir(`github.com/dapr/dapr@${DAPR_PINS.dapr}`), 'charts', 'dapr');
  await step(`Dapr ${DAPR_PINS.dapr} control plane (helm upgrade --install dapr: charts/dapr of github.com/dapr/dapr@${DAPR_PINS.dapr})`, () =>
    helmRun(helm, ['upgrade', '--install', 'dapr', chart, '--namespace', NAMESPACE, '--create-namespace', '-f', values, '--wait', '--timeout', '10m'], {
      hint: `npm run k8s -- kubectl -n ${NAMESPACE} get pods; npm run k8s -- kubectl -n ${NAMESPACE} describe pods`,
    }),
  );
  const mtls = (await kubectl(['-n', NAMESPACE, 'get', 'configurations.dapr.io', 'daprsystem', '-o', 'jsonpath={.spec.mtls.enabled}'])).trim();
  if (mtls !== 'true') throw new SetupError(`Dapr's Configuration daprsystem says mtls.enabled=${mtls || '(unset)'}`);
  info(`Configuration daprsystem: mtls.enabled=${mtls}`);
  process.stdout.write(await kubectl(['-n', NAMESPACE, 'get', 'pods', '-o', 'wide']));
  await step('Two pods with injected sidecars: one calls the other through both sidecars (mTLS, Kubernetes name resolution)', () =>
    checkSidecars(),
  );
}

const SMOKE_NAMESPACE = 'orderflow-k8s-check';

/**
 * The proof that the control plane works with our sidecar: the injector adds
 * daprd to two pods, each gets its workload certificate from Sentry, and one
 * app calls the other through its sidecar. The pods run Node.js from the
 * order-service image (`npm run k8s -- images` makes it) with a one-line
 * server, not the service itself, which would want its database.
 */
async function checkSidecars() {
  const image = localImage('orderflow/order-service', chartAppVersion());
  const pod = (name, annotations, script) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${SMOKE_NAMESPACE}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
      annotations: {dapr.io/enabled: "true", dapr.io/app-id: ${name}${annotations}}
    spec:
      containers:
      - name: app
        image: ${image}
        imagePullPolicy: Never
        command: ["node", "-e", ${JSON.stringify(script)}]
`;
  const manifest = [
    `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${SMOKE_NAMESPACE}}\n`,
    pod('echo', ', dapr.io/app-port: "3000"', "require('http').createServer((q, s) => s.end('echo ' + q.url)).listen(3000)"),
    pod('caller', '', 'setInterval(() => {}, 1e9)'),
  ].join('---\n');
  const hint = `npm run k8s -- kubectl -n ${SMOKE_NAMESPACE} describe pods; npm run k8s -- kubectl -n ${SMOKE_NAMESPACE} logs deploy/echo -c daprd`;
  try {
    await kubectl(['apply', '-f', '-'], { input: manifest, hint });
    for (const name of ['echo', 'caller']) {
      await kubectl(['-n', SMOKE_NAMESPACE, 'rollout', 'status', `deployment/${name}`, '--timeout=180s'], { hint });
    }
    const containers = (await kubectl(['-n', SMOKE_NAMESPACE, 'get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}: {.spec.containers[*].name}{"\\n"}{end}'])).trim();
    info(containers.replace(/\n/g, '; '));
    const call = "fetch('http://127.0.0.1:3500/v1.0/invoke/echo." + SMOKE_NAMESPACE + "/method/hello').then(async (r) => console.log(r.status, await r.text()))";
    // The operator makes the `echo-dapr` Service the sidecars find each other by
    // a moment after the pods start (longer while it restarts after `up`): until
    // then the call fails with "no such host".
    let answer = '';
    await waitFor('caller → echo through the sidecars', async () => {
      answer = (await kubectl(['-n', SMOKE_NAMESPACE, 'exec', 'deploy/caller', '-c', 'app', '--', 'node', '-e', call])).trim();
      return answer === '200 echo /hello';
    }, { timeoutMs: 90_000, intervalMs: 2_000 }).catch((error) => {
      throw new SetupError(`caller → echo through the sidecars answered "${answer}", expected "200 echo /hello" (${error.message})`, { hint });
    });
    const identity = (await kubectl(['-n', SMOKE_NAMESPACE, 'logs', 'deploy/echo', '-c', 'daprd'])).split('\n').find((line) => /workload identity expiry watcher/.test(line));
    if (!identity) throw new SetupError("echo's sidecar never logged its workload certificate from Sentry", { hint });
    info(`caller → echo: ${answer}; echo's sidecar: ${/msg="([^"]+)"/.exec(identity)?.[1]}`);
  } finally {
    await kubectl(['delete', 'namespace', SMOKE_NAMESPACE, '--wait=false', '--ignore-not-found']).catch(reportAndGoOn(`deleting the namespace ${SMOKE_NAMESPACE}`));
  }
}

/** Helm inside the node's network namespace, with its own folders in .local/k8s (never the user's Helm configuration). */
export async function helmRun(helm, args, options = {}) {
  const [binary, ...flags] = helmArgv(helm);
  return inSandbox(binary, [...flags, ...args], { mounts: false, env: helmHome(), ...options });
}

/** Helm with the admin kubeconfig (run it inside the sandbox, with helmHome() in its environment). */
export function helmArgv(helm) {
  return [helm, '--kubeconfig', paths.admin];
}

export function helmHome() {
  const home = path.join(K8S_DIR, 'helm-home');
  return { HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') };
}
