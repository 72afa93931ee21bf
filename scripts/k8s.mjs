#!/usr/bin/env node
// A single-node Kubernetes on this machine, for trying the Helm chart for real
// (Linux, root; see "Try it on a local cluster" in charts/orderflow/README.md):
//   npm run k8s -- up        install what is missing, build what is not cached, start the node
//   npm run k8s -- down      stop it, then check that nothing is left behind on the host
//   npm run k8s -- status    what runs; when nothing does, the leftover check
//   npm run k8s -- build     only the builds (into .local/k8s/bin)
//   npm run k8s -- images    the three service images from the Dockerfile (buildah), into the node
//   npm run k8s -- dapr      Dapr's control plane from Dapr's chart, mTLS on, our images;
//                            checked with two pods calling each other through their sidecars (needs `images`)
//   npm run k8s -- start     all of the above as needed, then orderflow on it: PostgreSQL, Kafka,
//                            MailDev and the development issuer on this machine, published into the
//                            node; `helm install` of charts/orderflow; Ctrl-C stops them (the node stays)
//   npm run k8s -- diagnose [NAMESPACE]   pods, events and the logs of every container not ready
//                            (default: the release's namespace, orderflow)
//   npm run k8s -- kubectl ARGS...   kubectl against the node (inside its network namespace)
//   npm run k8s -- helm ARGS...      helm likewise
import { spawnSync } from 'node:child_process';
import { exitWithError, info, SetupError, step } from '../tools/devstack/lib/step.mjs';

async function build() {
  const { ensureClusterBinaries, ensureDebianPackages } = await import('../tools/devstack/k8s/build.mjs');
  await ensureDebianPackages();
  return ensureClusterBinaries();
}

async function requireRoot() {
  (await import('../tools/devstack/k8s/cluster-stack.mjs')).requireRoot();
}

async function requireRunningNode(command) {
  const { livePid } = await import('../tools/devstack/k8s/node.mjs');
  if (!livePid('containerd') || !livePid('kube-apiserver')) {
    throw new SetupError(`\`${command}\` needs the node running (it imports into the node's containerd)`, {
      hint: 'start it with `npm run k8s -- up`, then run this again',
    });
  }
}

async function checkLeftovers() {
  const { findLeftovers } = await import('../tools/devstack/k8s/leftovers.mjs');
  const leftovers = findLeftovers();
  for (const { what, found } of leftovers) {
    info(`${found.length === 0 ? 'none' : `${found.length} LEFT`}: ${what}`);
    for (const item of found) info(`    ${item}`);
  }
  return leftovers.filter(({ found }) => found.length > 0);
}

/** Runs a tool inside the node's network namespace with the admin kubeconfig, its output on this terminal. */
async function passThrough(tool, args) {
  const { inSandboxArgv, kubectlArgv } = await import('../tools/devstack/k8s/node.mjs');
  const { helmArgv, helmHome } = await import('../tools/devstack/k8s/dapr.mjs');
  const argv = tool === 'helm' ? helmArgv((await import('../tools/devstack/pieces/helm.mjs')).HELM) : kubectlArgv();
  const [nsenter, ...rest] = inSandboxArgv([...argv, ...args], { mounts: false });
  const result = spawnSync(nsenter, rest, { stdio: 'inherit', env: { ...process.env, ...helmHome() } });
  process.exitCode = result.status ?? 1;
}

const commands = {
  build,
  async up() {
    await requireRoot();
    await build();
    const { up } = await import('../tools/devstack/k8s/node.mjs');
    await up();
    info('kubectl: npm run k8s -- kubectl get pods -A      stop: npm run k8s -- down');
  },
  async down() {
    await requireRoot();
    const { down } = await import('../tools/devstack/k8s/node.mjs');
    await step('Stopping the node', () => down());
    const left = await step('Checking that nothing is left behind', () => checkLeftovers());
    if (left.length > 0) {
      throw new SetupError(`the node left things behind: ${left.map(({ what }) => what).join('; ')}`, {
        hint: 'see the list above; `npm run k8s -- down` again may clear what a slow process left',
      });
    }
  },
  async status() {
    const { daemonStatus, kubectl, nodeMemory } = await import('../tools/devstack/k8s/node.mjs');
    const daemons = daemonStatus();
    for (const { name, pid } of daemons) info(`${name.padEnd(24)} ${pid ? `running (pid ${pid})` : 'stopped'}`);
    if (daemons.some(({ pid }) => pid)) {
      process.stdout.write(await kubectl(['get', 'nodes,pods', '-A', '-o', 'wide']).catch((error) => `kubectl: ${error.message}\n`));
      const memory = nodeMemory();
      if (memory) {
        info(`memory (RSS) of the node, pods included: ${Math.round(memory.totalMiB)} MiB`);
        info(memory.rows.slice(0, 12).map(([name, mib]) => `${name} ${Math.round(mib)}`).join(', '));
      }
    } else {
      info('the node is not running; leftover check:');
      if ((await checkLeftovers()).length > 0) process.exitCode = 1;
    }
  },
  async images() {
    await requireRoot();
    await requireRunningNode('images');
    const { ensureDebianPackages } = await import('../tools/devstack/k8s/build.mjs');
    await ensureDebianPackages();
    const { ensureAppImages } = await import('../tools/devstack/k8s/app-images.mjs');
    await ensureAppImages();
  },
  async dapr() {
    await requireRoot();
    await requireRunningNode('dapr');
    const { ensureHelm } = await import('../tools/devstack/pieces/helm.mjs');
    const { installDapr } = await import('../tools/devstack/k8s/dapr.mjs');
    await installDapr({ helm: await ensureHelm() });
  },
  async start() {
    await requireRoot();
    const { ensureHelm } = await import('../tools/devstack/pieces/helm.mjs');
    const helm = await ensureHelm();
    const { ensureClusterWithDapr, startOrderflowOnCluster } = await import('../tools/devstack/k8s/cluster-stack.mjs');
    await ensureClusterWithDapr({ helm });
    const postgres = await import('../tools/devstack/pieces/postgres.mjs');
    const { stopAll } = await import('../tools/devstack/lib/processes.mjs');
    const stopping = () => stopAll().then(() => process.exit(130));
    process.once('SIGINT', stopping);
    process.once('SIGTERM', stopping);
    await step('PostgreSQL server', () => postgres.ensurePostgres());
    await step('Starting PostgreSQL', () => postgres.startPostgres());
    await step('Service databases and roles', () => postgres.ensureDatabases());
    const { publicUrl } = await startOrderflowOnCluster({ helm, postgres });
    const { settings } = await import('../tools/devstack/lib/settings.mjs');
    process.stdout.write(`
orderflow runs on the local cluster (namespace orderflow). Ctrl-C stops PostgreSQL, Kafka,
MailDev and the issuer on this machine; the node keeps running until \`npm run k8s -- down\`.

  Place an order as customer c-1 through the public Service:
    TOKEN=$(npm run -s token -- c-1)
    curl -s -X POST ${publicUrl}/orders -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
      -H "idempotency-key: $(cat /proc/sys/kernel/random/uuid)" \\
      -d '{"customer":{"id":"c-1","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com"},
           "items":[{"productId":"book-1","name":"Notes","quantity":2,"unitPrice":"24.95"}],
           "currency":"EUR","paymentMethod":"VISA"}'
  The e-mail:  http://127.0.0.1:${settings.smtp.webPort}
  The pods:    npm run k8s -- kubectl -n orderflow get pods
`);
    await new Promise(() => {});
  },
  async diagnose(namespace) {
    const { diagnose } = await import('../tools/devstack/k8s/orderflow-release.mjs');
    process.stdout.write(`${await diagnose(namespace)}\n`);
  },
  kubectl: (...args) => passThrough('kubectl', args),
  helm: (...args) => passThrough('helm', args),
};

async function main([name = 'status', ...args]) {
  const command = commands[name];
  if (!command) {
    throw new SetupError(`unknown command "${name}"`, { hint: `use one of: ${Object.keys(commands).join(', ')}` });
  }
  await command(...args);
}

main(process.argv.slice(2)).catch(exitWithError);
