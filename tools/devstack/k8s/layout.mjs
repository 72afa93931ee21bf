// Where the local cluster keeps its state, and the addresses it uses. All of it
// lives under .local/k8s/node/ (deleting that folder forgets the cluster; the
// builds in .local/k8s/bin stay). The addresses exist only inside the node's
// own network namespace, so they cannot clash with anything on the host.
import path from 'node:path';
import { K8S_DIR } from './build.mjs';

export const NODE_DIR = path.join(K8S_DIR, 'node');

export const paths = Object.freeze({
  node: NODE_DIR,
  pki: path.join(NODE_DIR, 'pki'),
  etc: path.join(NODE_DIR, 'etc'),
  logs: path.join(NODE_DIR, 'logs'),
  /** pids.json: the process id of every daemon we started, and of the namespace holder. */
  run: path.join(NODE_DIR, 'run'),
  etcd: path.join(NODE_DIR, 'etcd'),
  containerdRoot: path.join(NODE_DIR, 'containerd', 'root'),
  containerdState: path.join(NODE_DIR, 'containerd', 'state'),
  containerdSocket: path.join(NODE_DIR, 'run', 'containerd.sock'),
  kubelet: path.join(NODE_DIR, 'kubelet'),
  kubeletPlugins: path.join(NODE_DIR, 'kubelet-plugins'),
  staticPods: path.join(NODE_DIR, 'static-pods'),
  podLogs: path.join(NODE_DIR, 'pod-logs'),
  cniConf: path.join(NODE_DIR, 'cni', 'net.d'),
  cniIpam: path.join(NODE_DIR, 'cni', 'ipam'),
  /** Upper layers of the /var/lib, /var/log and /run overlays inside the node's mount namespace. */
  overlays: path.join(NODE_DIR, 'overlays'),
  /** Files bind-mounted over the kernel tunables the kubelet would otherwise set on the host. */
  fakeSysctls: path.join(NODE_DIR, 'fake-sysctls'),
  admin: path.join(NODE_DIR, 'etc', 'admin.kubeconfig'),
  images: path.join(K8S_DIR, 'images'),
});

export const network = Object.freeze({
  nodeName: 'orderflow-node',
  /** On the namespace's loopback (the kernel here has no dummy links); the address every daemon binds. */
  nodeIp: '10.77.0.2',
  bridge: 'orderflow0',
  podCidr: '10.244.0.0/16',
  nodePodCidr: '10.244.0.0/24',
  podGateway: '10.244.0.1',
  serviceCidr: '10.96.0.0/24',
  apiServiceIp: '10.96.0.1',
  dnsServiceIp: '10.96.0.10',
  clusterDomain: 'cluster.local',
});

/** Host kernel settings the node must leave as it found them (checked by the leftover check). */
export const HOST_SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/bridge/bridge-nf-call-iptables',
  'vm/overcommit_memory',
  'kernel/panic',
  'kernel/panic_on_oops',
];
