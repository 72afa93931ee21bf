// The node: etcd, the control plane, containerd, the kubelet, kube-proxy and
// every pod, all inside ONE private mount + network namespace that this file
// creates ("the sandbox"). A `sleep infinity` started by `unshare` holds the
// namespaces; every daemon joins them with `nsenter`.
//
// Why a sandbox, and what it buys:
// - network: the namespace has only its loopback (node IP on it), the pod
//   bridge and the pods' veths, and no default route, so no packet can leave
//   the machine. kube-proxy's iptables rules, ip_forward and
//   bridge-nf-call-iptables are the namespace's own; the host's stay untouched.
// - mounts: overlay, tmpfs and bind mounts of containerd and the kubelet are
//   invisible on the host and vanish with the namespace. /var/lib, /var/log and
//   /run are overlaid inside it, because the daemons write to paths there that
//   no flag moves (/var/lib/kubelet/device-plugins, /var/lib/cni,
//   /var/log/containers, /run/containerd/s).
// - the kubelet sets vm.overcommit_memory, kernel.panic and kernel.panic_on_oops,
//   which are not per-namespace: it is given bind-mounted files in their place.
// Outside the sandbox only the cgroups /kubepods and /k8s.io are made on the
// host; `down` removes them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { info, run, SetupError, step, waitFor } from '../lib/step.mjs';
import { BIN, K8S_PINS } from './build.mjs';
import { ensurePki, localImage, writeConfiguration } from './config.mjs';
import { importImage, packImage } from './images.mjs';
import { HOST_SYSCTLS, network, paths } from './layout.mjs';
import { isExitedProcess, isMissing, reportAndGoOn } from '../lib/errors.mjs';
import { signalUnlessGone } from '../lib/processes.mjs';

const PIDS = path.join(paths.run, 'pids.json');
const NAMESPACES = path.join(paths.run, 'namespaces.json');
const HOST_BEFORE = path.join(paths.node, 'host-before-up.json');

/** Started in this order, stopped in the reverse order (the kubelet first, so it restarts nothing). */
const DAEMONS = ['etcd', 'containerd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'];

/**
 * A JSON file this module wrote, or `missing` when it is not there or was cut
 * short (a run killed while writing it): what it held cannot be told, and saying
 * so beats a raw SyntaxError out of `down`.
 */
function readJsonFile(file, missing) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if (isMissing(error)) return missing;
    if (error instanceof SyntaxError) {
      info(`${file} is not readable JSON (${error.message}): taken as missing`);
      return missing;
    }
    throw error;
  }
}

const readPids = () => readJsonFile(PIDS, {});
const writePids = (pids) => fs.writeFileSync(PIDS, `${JSON.stringify(pids, null, 2)}\n`);

/** The pid recorded for `name` if that process still runs the program we started (pids are reused). */
export function livePid(name) {
  const entry = readPids()[name];
  if (!entry) return null;
  try {
    const cmdline = fs.readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(entry.program) || cmdline[0] === entry.program ? entry.pid : null;
  } catch (error) {
    if (isExitedProcess(error)) return null;
    throw error;
  }
}

function holder() {
  const pid = livePid('sandbox');
  if (!pid) throw new SetupError('the node is not running', { hint: 'start it with `npm run k8s -- up`' });
  return pid;
}

/** The command line that runs `argv` inside the sandbox (network namespace; with `mounts`, the mount namespace too). */
export function inSandboxArgv(argv, { mounts = true } = {}) {
  return ['nsenter', '-t', String(holder()), ...(mounts ? ['-m'] : []), '-n', '--', ...argv];
}

/** Runs a command inside the sandbox (see inSandboxArgv). */
export function inSandbox(command, args, { mounts = true, ...options } = {}) {
  const [nsenter, ...rest] = inSandboxArgv([command, ...args], { mounts });
  return run(nsenter, rest, options);
}

/** kubectl with the admin kubeconfig, its discovery cache in .local/k8s too (never in the user's ~/.kube). */
export function kubectlArgv() {
  return [path.join(BIN, 'kubectl'), '--kubeconfig', paths.admin, '--cache-dir', path.join(paths.node, 'kube-cache')];
}

/** kubectl against the local cluster (from inside the sandbox's network, where the API server listens). */
export function kubectl(args, options = {}) {
  const [binary, ...flags] = kubectlArgv();
  return inSandbox(binary, [...flags, ...args], { mounts: false, ...options });
}

/** `program`: what the process runs once started (nsenter and unshare exec it, so the pid stays the same). */
function startDetached(name, program, command, args) {
  const log = fs.openSync(path.join(paths.logs, `${name}.log`), 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.unref();
  writePids({ ...readPids(), [name]: { pid: child.pid, program } });
  return child.pid;
}

async function startSandbox() {
  if (livePid('sandbox')) return;
  for (const dir of Object.values(paths)) if (!path.extname(dir)) fs.mkdirSync(dir, { recursive: true });
  recordHostState();
  startDetached('sandbox', 'sleep', 'unshare', ['--mount', '--net', '--propagation', 'private', 'sleep', 'infinity']);
  await waitFor('the sandbox namespaces', () => {
    const pid = livePid('sandbox');
    return pid && fs.readlinkSync(`/proc/${pid}/ns/net`) !== fs.readlinkSync('/proc/self/ns/net');
  }, { timeoutMs: 5_000, intervalMs: 50 });
  const pid = livePid('sandbox');
  fs.writeFileSync(NAMESPACES, `${JSON.stringify({ net: fs.readlinkSync(`/proc/${pid}/ns/net`), mnt: fs.readlinkSync(`/proc/${pid}/ns/mnt`) })}\n`);

  fs.mkdirSync(paths.fakeSysctls, { recursive: true });
  // The values the kubelet wants to see; it only writes when they differ.
  const fakes = { 'vm/overcommit_memory': '1', 'kernel/panic': '10', 'kernel/panic_on_oops': '1' };
  const script = [
    'set -e',
    'ip link set lo up',
    `ip addr add ${network.nodeIp}/32 dev lo`,
    // Node-local clients (the API server calling admission webhooks, Dapr's
    // injector among them) must reach ClusterIPs; with no default route they
    // would get "network unreachable". This route hands them to kube-proxy's DNAT.
    `ip route add ${network.serviceCidr} dev lo`,
    'sysctl -qw net.ipv4.ip_forward=1',
    'echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables',
    ...['/var/lib', '/var/log', '/run'].map((dir) => {
      const name = dir.slice(1).replace(/\//g, '-');
      const upper = path.join(paths.overlays, `${name}.upper`);
      const work = path.join(paths.overlays, `${name}.work`);
      return `mkdir -p ${upper} ${work} && mount -t overlay overlay -o lowerdir=${dir},upperdir=${upper},workdir=${work} ${dir}`;
    }),
    ...Object.entries(fakes).map(([key, value]) => {
      const file = path.join(paths.fakeSysctls, key.replace('/', '-'));
      return `echo ${value} > ${file} && mount --bind ${file} /proc/sys/${key}`;
    }),
  ].join('\n');
  await inSandbox('sh', ['-c', script], { hint: 'the sandbox could not be set up; see the error above' });
}

function startDaemon(name, binary, args) {
  if (livePid(name)) return;
  startDetached(name, binary, 'nsenter', ['-t', String(holder()), '-m', '-n', '--', binary, ...args]);
}

const logHint = (name) => `read ${path.join(paths.logs, `${name}.log`)}`;

export async function up() {
  const t0 = Date.now();
  await step('Starting the node sandbox (private mount + network namespace, no route out)', () => startSandbox());
  await ensurePki();
  writeConfiguration();
  const pki = (file) => path.join(paths.pki, file);
  const etc = (file) => path.join(paths.etc, file);
  const { nodeIp, nodeName } = network;

  await step('Starting etcd and containerd', async () => {
    startDaemon('etcd', '/usr/bin/etcd', [
      '--name', 'orderflow', '--data-dir', paths.etcd,
      '--listen-client-urls', 'http://127.0.0.1:2379', '--advertise-client-urls', 'http://127.0.0.1:2379',
      '--listen-peer-urls', 'http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380',
      '--initial-cluster', 'orderflow=http://127.0.0.1:2380', '--listen-metrics-urls', 'http://127.0.0.1:2381',
      '--quota-backend-bytes', String(1024 ** 3),
    ]);
    startDaemon('containerd', '/usr/bin/containerd', ['--config', etc('containerd.toml')]);
    await waitFor('etcd', () => inSandbox('curl', ['-sf', 'http://127.0.0.1:2379/health'], { mounts: false }), { timeoutMs: 30_000, hint: logHint('etcd') });
    await waitFor('containerd', () => run('ctr', ['-a', paths.containerdSocket, 'version']), { timeoutMs: 30_000, hint: logHint('containerd') });
  });

  await step('Images: pause and CoreDNS (packed once, imported when missing)', async () => {
    const pause = localImage('pause', K8S_PINS.pause);
    await importImage(pause, await packImage({ ref: pause, files: { '/pause': path.join(BIN, 'pause') }, entrypoint: ['/pause'] }));
    const coredns = localImage('coredns', K8S_PINS.coredns.slice(1));
    await importImage(coredns, await packImage({ ref: coredns, files: { '/coredns': path.join(BIN, 'coredns') }, entrypoint: ['/coredns'] }));
  });

  await step('Starting the control plane', async () => {
    startDaemon('kube-apiserver', path.join(BIN, 'kube-apiserver'), [
      `--advertise-address=${nodeIp}`, '--bind-address=0.0.0.0', '--secure-port=6443',
      '--etcd-servers=http://127.0.0.1:2379', `--service-cluster-ip-range=${network.serviceCidr}`,
      `--client-ca-file=${pki('ca.crt')}`, `--tls-cert-file=${pki('apiserver.crt')}`, `--tls-private-key-file=${pki('apiserver.key')}`,
      `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`, `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
      `--kubelet-certificate-authority=${pki('ca.crt')}`, '--kubelet-preferred-address-types=InternalIP',
      `--service-account-issuer=https://kubernetes.default.svc.${network.clusterDomain}`,
      `--service-account-key-file=${pki('sa.pub')}`, `--service-account-signing-key-file=${pki('sa.key')}`,
      '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', '--allow-privileged=true', '--profiling=false',
    ]);
    await waitFor('the API server', () => kubectl(['get', '--raw', '/readyz']), { timeoutMs: 180_000, hint: logHint('kube-apiserver') });
    const common = (name) => [
      `--kubeconfig=${etc(`${name}.kubeconfig`)}`, `--authentication-kubeconfig=${etc(`${name}.kubeconfig`)}`,
      `--authorization-kubeconfig=${etc(`${name}.kubeconfig`)}`, '--bind-address=127.0.0.1', '--leader-elect=false', '--profiling=false',
    ];
    startDaemon('kube-controller-manager', path.join(BIN, 'kube-controller-manager'), [
      ...common('controller-manager'),
      `--cluster-signing-cert-file=${pki('ca.crt')}`, `--cluster-signing-key-file=${pki('ca.key')}`, `--root-ca-file=${pki('ca.crt')}`,
      `--service-account-private-key-file=${pki('sa.key')}`, '--use-service-account-credentials=true',
      '--allocate-node-cidrs=true', `--cluster-cidr=${network.podCidr}`, '--node-cidr-mask-size=24', `--service-cluster-ip-range=${network.serviceCidr}`,
      // Instead of /usr/libexec/kubernetes on the host.
      `--flex-volume-plugin-dir=${paths.kubeletPlugins}`,
    ]);
    startDaemon('kube-scheduler', path.join(BIN, 'kube-scheduler'), common('scheduler'));
  });

  await step(`Starting the kubelet and kube-proxy; waiting for node ${nodeName} to be Ready`, async () => {
    startDaemon('kubelet', path.join(BIN, 'kubelet'), [
      `--config=${etc('kubelet.yaml')}`, `--kubeconfig=${etc('kubelet.kubeconfig')}`, `--root-dir=${paths.kubelet}`,
      `--cert-dir=${path.join(paths.kubelet, 'pki')}`, `--hostname-override=${nodeName}`, `--node-ip=${nodeIp}`, '--v=1',
    ]);
    startDaemon('kube-proxy', path.join(BIN, 'kube-proxy'), [`--config=${etc('kube-proxy.yaml')}`, '--v=1']);
    // After a restart etcd still holds the last run's "Ready": only a heartbeat
    // from the kubelet just started counts (timestamps have whole seconds).
    const since = Math.floor(Date.now() / 1000) * 1000;
    await waitFor(`node ${nodeName} Ready`, async () => {
      const ready = JSON.parse(await kubectl(['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")]}']));
      return ready.status === 'True' && Date.parse(ready.lastHeartbeatTime) >= since;
    }, { timeoutMs: 180_000, intervalMs: 1_000, hint: logHint('kubelet') });
  });

  await step('CoreDNS (cluster DNS at 10.96.0.10, answering only for cluster.local)', async () => {
    await kubectl(['apply', '-f', '-'], { input: corednsManifest() });
    await kubectl(['-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=180s'], {
      hint: 'kubectl -n kube-system describe pod -l k8s-app=kube-dns (npm run k8s -- kubectl ...)',
    });
    const answer = await waitFor('CoreDNS to answer for kubernetes.default', () => resolveInSandbox(`kubernetes.default.svc.${network.clusterDomain}`),
      { timeoutMs: 60_000, intervalMs: 1_000 });
    if (answer !== network.apiServiceIp) {
      throw new SetupError(`CoreDNS answered ${answer} for kubernetes.default, expected ${network.apiServiceIp}`);
    }
    info(`kubernetes.default.svc.${network.clusterDomain} → ${answer} (asked ${network.dnsServiceIp} from inside the sandbox)`);
  });
  info(`node ${nodeName} Ready with CoreDNS in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

/** Asks the cluster DNS service from inside the sandbox's network namespace (with Node's own resolver). */
async function resolveInSandbox(name) {
  const script = `const r = new (require('node:dns').promises.Resolver)({ timeout: 2000, tries: 1 });
r.setServers(['${network.dnsServiceIp}']);
r.resolve4(process.argv[1]).then((a) => console.log(a.join(' ')), (e) => { console.error(e.code); process.exit(1); });`;
  return (await inSandbox(process.execPath, ['-e', script, name], { mounts: false })).trim();
}

function corednsManifest() {
  const image = localImage('coredns', K8S_PINS.coredns.slice(1));
  return `apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  # No "forward" plugin: a name outside cluster.local is never sent anywhere.
  Corefile: |
    .:53 {
        errors
        health :8080
        ready :8181
        kubernetes ${network.clusterDomain} in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
        }
        cache 30
        loop
        reload
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      containers:
      - name: coredns
        image: ${image}
        imagePullPolicy: Never
        args: ["-conf", "/etc/coredns/Corefile"]
        resources: {requests: {cpu: 50m, memory: 40Mi}, limits: {memory: 170Mi}}
        ports:
        - {containerPort: 53, name: dns, protocol: UDP}
        - {containerPort: 53, name: dns-tcp, protocol: TCP}
        volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
        readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
        livenessProbe: {httpGet: {path: /health, port: 8080}, initialDelaySeconds: 10}
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: ${network.dnsServiceIp}
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
`;
}

async function stopPid(name, { graceMs = 10_000 } = {}) {
  const pid = livePid(name);
  if (pid) {
    signalUnlessGone(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (livePid(name) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (livePid(name)) {
      info(`${name} (pid ${pid}) did not stop in ${graceMs / 1000}s: killing it`);
      signalUnlessGone(pid, 'SIGKILL');
      await waitFor(`${name} to exit`, () => !livePid(name), { timeoutMs: 5_000 });
    }
  }
  const pids = readPids();
  delete pids[name];
  writePids(pids);
}

export async function down() {
  if (!fs.existsSync(PIDS)) return;
  // The kubelet first, so that it restarts nothing we stop.
  await stopPid('kubelet');
  await stopPid('kube-proxy');
  if (livePid('containerd')) {
    await step('Stopping every container (ctr, namespace k8s.io)', async () => {
      const ctr = (args) => run('ctr', ['-a', paths.containerdSocket, '-n', 'k8s.io', ...args]);
      const ids = async (what) => (await ctr([what, 'ls', '-q'])).split('\n').filter(Boolean);
      for (const id of await ids('tasks')) await ctr(['tasks', 'kill', '-s', 'SIGKILL', id]).catch(reportAndGoOn(`ctr tasks kill ${id}`));
      await waitFor('the containers to exit', async () => {
        const listing = await ctr(['tasks', 'ls']);
        return !/RUNNING|PAUSED/.test(listing);
      }, { timeoutMs: 15_000 }).catch((error) => info(error.message));
      for (const id of await ids('tasks')) await ctr(['tasks', 'delete', '-f', id]).catch(reportAndGoOn(`ctr tasks delete ${id}`));
      for (const id of await ids('containers')) await ctr(['containers', 'delete', id]).catch(reportAndGoOn(`ctr containers delete ${id}`));
    });
  }
  for (const name of [...DAEMONS].reverse()) await stopPid(name);
  // Anything else still in the sandbox's mount namespace (containerd's shims) or
  // in the node's cgroups (a container process): ours, ended by pid.
  const sandbox = livePid('sandbox');
  if (sandbox) {
    for (const pid of processesOfTheNode(sandbox)) {
      info(`ending leftover process ${pid} (${comm(pid)})`);
      signalUnlessGone(pid, 'SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  // The last process in the namespaces: the pod network, kube-proxy's iptables
  // rules and every mount go with it.
  await stopPid('sandbox');
  removeNodeCgroups();
}

/**
 * Processes of ours other than the holder: in the sandbox's mount or network
 * namespace (the latter: kubectl, helm and the bridge's worker, entered with
 * nsenter -n, e.g. by a test that timed out), or in the node's cgroups.
 */
function processesOfTheNode(sandboxPid) {
  const mnt = fs.readlinkSync(`/proc/${sandboxPid}/ns/mnt`);
  const net = fs.readlinkSync(`/proc/${sandboxPid}/ns/net`);
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === sandboxPid || Number(entry) === process.pid) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/ns/mnt`) === mnt || fs.readlinkSync(`/proc/${entry}/ns/net`) === net || inNodeCgroup(entry)) found.push(Number(entry));
    } catch (error) {
      if (!isExitedProcess(error)) throw error;
    }
  }
  return found;
}

export function inNodeCgroup(pid) {
  return /:\/(kubepods|k8s\.io)(\/|$)/m.test(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
}

export function comm(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch (error) {
    if (isExitedProcess(error)) return '?';
    throw error;
  }
}

/** The node's cgroup trees on the host: /kubepods (the kubelet's) and /k8s.io (containerd's), in every hierarchy. */
export function nodeCgroups() {
  const root = '/sys/fs/cgroup';
  const found = [];
  for (const hierarchy of fs.readdirSync(root)) {
    for (const tree of ['kubepods', 'k8s.io']) {
      const dir = path.join(root, hierarchy, tree);
      if (fs.existsSync(dir)) found.push(dir);
    }
  }
  return found;
}

function removeNodeCgroups() {
  // Deepest first: a cgroup can only be removed once it has no children (rmdir, never rm -r).
  const remove = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) remove(path.join(dir, entry.name));
    try {
      fs.rmdirSync(dir);
    } catch (error) {
      info(`could not remove cgroup ${dir}: ${error.code}`);
    }
  };
  for (const dir of nodeCgroups()) remove(dir);
}

/** The host's values of the kernel settings the node must not change, before the first `up`. */
function recordHostState() {
  fs.writeFileSync(HOST_BEFORE, `${JSON.stringify({ sysctls: readHostSysctls() }, null, 2)}\n`);
}

export function readHostSysctls() {
  return Object.fromEntries(HOST_SYSCTLS.map((key) => {
    try {
      return [key, fs.readFileSync(`/proc/sys/${key}`, 'utf8').trim()];
    } catch (error) {
      // A sysctl this kernel does not have (or a network namespace without it).
      if (isMissing(error)) return [key, null];
      throw error;
    }
  }));
}

export function hostStateBeforeUp() {
  return readJsonFile(HOST_BEFORE, null);
}

export function recordedNamespaces() {
  return readJsonFile(NAMESPACES, null);
}

/**
 * Resident memory of the node: every process in the sandbox's mount namespace
 * (the daemons, containerd's shims) or in the node's cgroups (the containers),
 * in MiB, by process name, largest first.
 */
export function nodeMemory() {
  const sandbox = livePid('sandbox');
  if (!sandbox) return null;
  const byName = new Map();
  for (const pid of [sandbox, ...processesOfTheNode(sandbox)]) {
    try {
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      const name = inNodeCgroup(pid) ? `pod:${comm(pid)}` : comm(pid);
      byName.set(name, (byName.get(name) ?? 0) + rss / 1024);
    } catch (error) {
      if (!isExitedProcess(error)) throw error;
    }
  }
  const rows = [...byName].sort((a, b) => b[1] - a[1]);
  return { totalMiB: rows.reduce((sum, [, mib]) => sum + mib, 0), rows };
}

export function daemonStatus() {
  return ['sandbox', ...DAEMONS].map((name) => ({ name, pid: livePid(name) }));
}
