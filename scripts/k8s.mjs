#!/usr/bin/env node
// A single-node Kubernetes on this machine, for trying the Helm chart for real
// (Linux, root; see "Try it on a local cluster" in charts/orderflow/README.md):
//   npm run k8s -- up        install what is missing, build what is not cached, start the node
//   npm run k8s -- down      stop it, then check that nothing is left behind on the host
//   npm run k8s -- status    what runs; when nothing does, the leftover check
//   npm run k8s -- build     only the builds (into .local/k8s/bin)
//   npm run k8s -- images    the three service images from their Dockerfiles (buildah), into the node
//   npm run k8s -- dapr      Dapr's control plane from Dapr's chart, mTLS on, our images;
//                            checked with two pods calling each other through their sidecars (needs `images`)
//   npm run k8s -- kubectl ARGS...   kubectl against the node (inside its network namespace)
//   npm run k8s -- helm ARGS...      helm likewise
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { exitWithError, info, SetupError, step } from './lib/step.mjs';

async function build() {
  const { ensureClusterBinaries, ensureDebianPackages } = await import('./lib/k8s/build.mjs');
  await ensureDebianPackages();
  return ensureClusterBinaries();
}

function requireRoot() {
  if (process.getuid?.() !== 0) {
    throw new SetupError('the local cluster needs root (it creates namespaces, mounts and cgroups)', {
      hint: 'run it as root, e.g. sudo npm run k8s -- up',
    });
  }
}

async function requireRunningNode(command) {
  const { livePid } = await import('./lib/k8s/node.mjs');
  if (!livePid('containerd') || !livePid('kube-apiserver')) {
    throw new SetupError(`\`${command}\` needs the node running (it imports into the node's containerd)`, {
      hint: 'start it with `npm run k8s -- up`, then run this again',
    });
  }
}

async function checkLeftovers() {
  const { findLeftovers } = await import('./lib/k8s/leftovers.mjs');
  const leftovers = findLeftovers();
  for (const { what, found } of leftovers) {
    info(`${found.length === 0 ? 'none' : `${found.length} LEFT`}: ${what}`);
    for (const item of found) info(`    ${item}`);
  }
  return leftovers.filter(({ found }) => found.length > 0);
}

/** Runs a tool inside the node's network namespace with the admin kubeconfig, its output on this terminal. */
async function passThrough(tool, args) {
  const { livePid } = await import('./lib/k8s/node.mjs');
  const { BIN } = await import('./lib/k8s/build.mjs');
  const { paths } = await import('./lib/k8s/layout.mjs');
  const sandbox = livePid('sandbox');
  if (!sandbox) throw new SetupError('the node is not running', { hint: 'start it with `npm run k8s -- up`' });
  const binary = tool === 'helm' ? (await import('./lib/helm.mjs')).HELM : path.join(BIN, 'kubectl');
  const { helmHome } = await import('./lib/k8s/dapr.mjs');
  const result = spawnSync('nsenter', ['-t', String(sandbox), '-n', '--', binary, '--kubeconfig', paths.admin, ...(tool === 'kubectl' ? ['--cache-dir', path.join(paths.node, 'kube-cache')] : []), ...args], {
    stdio: 'inherit',
    env: { ...process.env, ...helmHome() },
  });
  process.exitCode = result.status ?? 1;
}

const commands = {
  build,
  async up() {
    requireRoot();
    await build();
    const { up } = await import('./lib/k8s/node.mjs');
    await up();
    info('kubectl: npm run k8s -- kubectl get pods -A      stop: npm run k8s -- down');
  },
  async down() {
    requireRoot();
    const { down } = await import('./lib/k8s/node.mjs');
    await step('Stopping the node', () => down());
    const left = await step('Checking that nothing is left behind', () => checkLeftovers());
    if (left.length > 0) {
      throw new SetupError(`the node left things behind: ${left.map(({ what }) => what).join('; ')}`, {
        hint: 'see the list above; `npm run k8s -- down` again may clear what a slow process left',
      });
    }
  },
  async status() {
    const { daemonStatus, kubectl, nodeMemory } = await import('./lib/k8s/node.mjs');
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
    requireRoot();
    await requireRunningNode('images');
    const { ensureDebianPackages } = await import('./lib/k8s/build.mjs');
    await ensureDebianPackages();
    const { ensureAppImages } = await import('./lib/k8s/app-images.mjs');
    await ensureAppImages();
  },
  async dapr() {
    requireRoot();
    await requireRunningNode('dapr');
    const { ensureHelm } = await import('./lib/helm.mjs');
    const { installDapr } = await import('./lib/k8s/dapr.mjs');
    await installDapr({ helm: await ensureHelm() });
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
