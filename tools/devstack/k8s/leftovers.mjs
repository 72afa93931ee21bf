// What a stopped node must not leave behind on the host, checked one by one.
// `npm run k8s -- down` runs this and fails when anything is found;
// `npm run k8s -- status` prints it when the node is not running.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, K8S_DIR } from './build.mjs';
import { NODE_DIR, network } from './layout.mjs';
import { comm, hostStateBeforeUp, inNodeCgroup, nodeCgroups, readHostSysctls, recordedNamespaces } from './node.mjs';
import { isExitedProcess, isMissing } from '../lib/errors.mjs';

/** Returns [{ what, found: [...] }] for every kind of leftover; `found` is empty when clean. */
export function findLeftovers() {
  return [
    { what: 'processes of the node (running from .local/k8s, in its namespaces, or in its cgroups)', found: nodeProcesses() },
    { what: 'mounts on the host of the node or of buildah, or of the sandbox namespaces', found: hostMounts() },
    { what: 'cgroups /kubepods and /k8s.io', found: nodeCgroups() },
    { what: 'iptables rules of the node in the host\'s tables (KUBE-, CNI-)', found: hostIptables() },
    { what: 'network links of the node on the host', found: hostLinks() },
    { what: 'network namespaces left in /run/netns by CNI', found: cniNamespaces() },
    { what: 'host kernel settings changed since before `up`', found: changedSysctls() },
  ];
}

function nodeProcesses() {
  const namespaces = recordedNamespaces();
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const cmdline = argv.join(' ').trim();
      if (!cmdline) continue; // kernel threads, zombies
      // A daemon of the node runs one of our binaries or reads its state; a build writing into .local/k8s/bin does neither.
      const ours = argv[0].startsWith(BIN) || cmdline.includes(NODE_DIR);
      const inSandbox = namespaces && [fs.readlinkSync(`/proc/${entry}/ns/net`), fs.readlinkSync(`/proc/${entry}/ns/mnt`)]
        .some((ns) => ns === namespaces.net || ns === namespaces.mnt);
      if (ours || inSandbox || inNodeCgroup(entry)) found.push(`${entry} ${comm(entry)}: ${cmdline.slice(0, 120)}`);
    } catch (error) {
      if (!isExitedProcess(error)) throw error;
    }
  }
  return found;
}

function hostMounts() {
  const namespaces = recordedNamespaces();
  const inodes = namespaces ? [namespaces.net, namespaces.mnt].map((ns) => /\[(\d+)\]/.exec(ns)?.[1]) : [];
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => {
    // The node's own, and buildah's (it works in a private mount namespace; none should reach the host).
    if (line.includes(NODE_DIR) || line.includes(path.join(K8S_DIR, 'buildah'))) return true;
    // A namespace kept alive by a bind mount (nsfs) would outlive its last process.
    return / - nsfs /.test(line) && inodes.some((inode) => inode && line.includes(`[${inode}]`));
  });
}

function hostIptables() {
  const found = [];
  for (const tool of ['iptables-save', 'ip6tables-save', 'iptables-legacy-save']) {
    const result = spawnSync(tool, [], { encoding: 'utf8' });
    if (result.error) continue; // not installed
    for (const line of result.stdout.split('\n')) if (/KUBE-|CNI-|orderflow/.test(line)) found.push(`${tool}: ${line}`);
  }
  return found;
}

function hostLinks() {
  const result = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  return (result.stdout ?? '').split('\n').filter((line) => line.includes(network.bridge) || /:\s+veth/.test(line));
}

function cniNamespaces() {
  try {
    return fs.readdirSync('/run/netns').filter((name) => name.startsWith('cni-')).map((name) => `/run/netns/${name}`);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

function changedSysctls() {
  const before = hostStateBeforeUp()?.sysctls;
  if (!before) return [];
  const now = readHostSysctls();
  return Object.keys(before).filter((key) => before[key] !== now[key]).map((key) => `${key}: ${before[key]} before up, ${now[key]} now`);
}
