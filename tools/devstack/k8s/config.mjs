// The node's certificates, kubeconfigs and daemon configuration files, written
// into .local/k8s/node/. Certificates are made once (openssl) and kept, so a
// cluster brought down and up again keeps its identity and its etcd data.
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../lib/step.mjs';
import { K8S_PINS } from './build.mjs';
import { network, paths } from './layout.mjs';

const CERT_DAYS = '365';

/** name → [common name, organisation, subjectAltName, extended key usage] */
function certificates() {
  const { nodeName, nodeIp, apiServiceIp, clusterDomain } = network;
  const apiNames = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${clusterDomain}`, 'localhost', nodeName];
  return {
    apiserver: ['kube-apiserver', '', [...apiNames.map((n) => `DNS:${n}`), `IP:${apiServiceIp}`, `IP:${nodeIp}`, 'IP:127.0.0.1'].join(','), 'serverAuth'],
    'apiserver-kubelet-client': ['kube-apiserver-kubelet-client', 'system:masters', '', 'clientAuth'],
    admin: ['orderflow-admin', 'system:masters', '', 'clientAuth'],
    'controller-manager': ['system:kube-controller-manager', '', '', 'clientAuth'],
    scheduler: ['system:kube-scheduler', '', '', 'clientAuth'],
    'kube-proxy': ['system:kube-proxy', '', '', 'clientAuth'],
    kubelet: [`system:node:${nodeName}`, 'system:nodes', '', 'clientAuth'],
    'kubelet-serving': [nodeName, '', `DNS:${nodeName},IP:${nodeIp}`, 'serverAuth'],
  };
}

export async function ensurePki() {
  const dir = paths.pki;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const at = (name) => path.join(dir, name);
  if (!fs.existsSync(at('ca.crt'))) {
    await run('openssl', ['genrsa', '-out', at('ca.key'), '2048']);
    await run('openssl', ['req', '-x509', '-new', '-nodes', '-key', at('ca.key'), '-subj', '/CN=orderflow-local-ca', '-days', CERT_DAYS, '-out', at('ca.crt')]);
  }
  if (!fs.existsSync(at('sa.pub'))) {
    await run('openssl', ['genrsa', '-out', at('sa.key'), '2048']);
    await run('openssl', ['rsa', '-in', at('sa.key'), '-pubout', '-out', at('sa.pub')]);
  }
  for (const [name, [cn, org, sans, usage]] of Object.entries(certificates())) {
    if (fs.existsSync(at(`${name}.crt`))) continue;
    const extensions = [
      '[req]',
      'distinguished_name = dn',
      '[dn]',
      '[ext]',
      'basicConstraints = CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      `extendedKeyUsage = ${usage}`,
      ...(sans ? [`subjectAltName = ${sans}`] : []),
      '',
    ].join('\n');
    fs.writeFileSync(at(`${name}.cnf`), extensions);
    await run('openssl', ['genrsa', '-out', at(`${name}.key`), '2048']);
    await run('openssl', ['req', '-new', '-key', at(`${name}.key`), '-subj', `${org ? `/O=${org}` : ''}/CN=${cn}`, '-config', at(`${name}.cnf`), '-out', at(`${name}.csr`)]);
    await run('openssl', ['x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial',
      '-days', CERT_DAYS, '-extensions', 'ext', '-extfile', at(`${name}.cnf`), '-out', at(`${name}.crt`)]);
    fs.rmSync(at(`${name}.csr`));
  }
}

/** Every configuration file the daemons read; rewritten on each `up` (cheap, and follows a change of this file). */
export function writeConfiguration() {
  fs.mkdirSync(paths.etc, { recursive: true });
  fs.mkdirSync(paths.cniConf, { recursive: true });
  const pki = (file) => path.join(paths.pki, file);
  const etc = (file) => path.join(paths.etc, file);
  const { nodeName, nodeIp } = network;

  const kubeconfig = (user, cert) => `apiVersion: v1
kind: Config
clusters:
- name: orderflow-local
  cluster:
    certificate-authority: ${pki('ca.crt')}
    server: https://${nodeIp}:6443
users:
- name: ${user}
  user:
    client-certificate: ${pki(`${cert}.crt`)}
    client-key: ${pki(`${cert}.key`)}
contexts:
- name: ${user}
  context: {cluster: orderflow-local, user: ${user}}
current-context: ${user}
`;
  for (const name of ['admin', 'controller-manager', 'scheduler', 'kube-proxy', 'kubelet']) {
    fs.writeFileSync(etc(`${name}.kubeconfig`), kubeconfig(name, name), { mode: 0o600 });
  }

  fs.writeFileSync(etc('containerd.toml'), `version = 2
root = "${paths.containerdRoot}"
state = "${paths.containerdState}"

[grpc]
  address = "${paths.containerdSocket}"

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "${localImage('pause', K8S_PINS.pause)}"
    disable_apparmor = true
    # This machine lacks CAP_SYS_RESOURCE: a negative oom_score_adj (pause -998,
    # Guaranteed pods -997) cannot be written. Clamp instead of failing.
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    tolerate_missing_hugetlb_controller = true
    disable_hugetlb_controller = true
    stream_server_address = "127.0.0.1"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "${paths.cniConf}"
      max_conf_num = 1
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          BinaryName = "/usr/sbin/runc"
`);

  fs.writeFileSync(path.join(paths.cniConf, '10-orderflow.conflist'), `${JSON.stringify({
    cniVersion: '0.4.0',
    name: 'orderflow',
    plugins: [
      {
        type: 'bridge',
        bridge: network.bridge,
        isGateway: true,
        // No masquerading: nothing is meant to leave the namespace.
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: network.nodePodCidr, gateway: network.podGateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: paths.cniIpam,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2)}\n`);

  fs.writeFileSync(etc('resolv.conf'), `nameserver ${network.dnsServiceIp}\noptions ndots:1\n`);

  fs.writeFileSync(etc('kubelet.yaml'), `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# No systemd here, and cgroup v1: the cgroupfs driver, and v1 explicitly allowed.
cgroupDriver: cgroupfs
cgroupRoot: /
failCgroupV1: false
failSwapOn: false
enforceNodeAllocatable: ["pods"]
containerRuntimeEndpoint: unix://${paths.containerdSocket}
podLogsDir: ${paths.podLogs}
staticPodPath: ${paths.staticPods}
# Instead of /usr/libexec/kubernetes on the host.
volumePluginDir: ${paths.kubeletPlugins}
address: ${nodeIp}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${pki('ca.crt')}}
authorization:
  mode: Webhook
clusterDomain: ${network.clusterDomain}
clusterDNS: ["${network.dnsServiceIp}"]
resolvConf: ${etc('resolv.conf')}
tlsCertFile: ${pki('kubelet-serving.crt')}
tlsPrivateKeyFile: ${pki('kubelet-serving.key')}
serializeImagePulls: false
maxPods: 80
protectKernelDefaults: false
makeIPTablesUtilChains: false
# Images are imported, never pulled: never garbage-collect them.
imageGCHighThresholdPercent: 100
evictionHard:
  memory.available: "200Mi"
  nodefs.available: "2%"
  imagefs.available: "2%"
  nodefs.inodesFree: "2%"
systemReserved: {cpu: "200m", memory: "1Gi"}
`);

  fs.writeFileSync(etc('kube-proxy.yaml'), `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${etc('kube-proxy.kubeconfig')}
mode: iptables
clusterCIDR: ${network.podCidr}
hostnameOverride: ${nodeName}
bindAddress: ${nodeIp}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# The namespace's conntrack table is the kernel's; leave its sysctls alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  localhostNodePorts: false
  masqueradeAll: false
`);
}

/**
 * The registry part of every image built here. It resolves nowhere: the kubelet
 * never pulls (imagePullPolicy Never), the images are imported into containerd.
 */
export const LOCAL_REGISTRY = 'orderflow.local';

/** The name under which a locally built image is imported into the node's containerd. */
export function localImage(name, tag) {
  return `${LOCAL_REGISTRY}/${name}:${tag}`;
}
