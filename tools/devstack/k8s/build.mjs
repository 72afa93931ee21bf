// What the local cluster runs, built into .local/k8s/ from Debian packages and
// the Go module proxy (no Docker, no container registry):
//
//   Debian      containerd, runc, the CNI plugins, etcd, iptables, umoci, skopeo,
//               gcc (for pause); installed with apt-get when missing
//   .local/k8s/bin/   kube-apiserver, kube-controller-manager, kube-scheduler,
//               kubelet, kube-proxy, kubectl (k8s.io/kubernetes), coredns, pause
//   .local/bin/helm   the Helm the chart tests use (tools/devstack/pieces/helm.mjs)
//
// Each piece is rebuilt only when its pin changes: a stamp in .local/k8s/
// records what the binaries were built from, so a second `up` builds nothing.
// ORDERFLOW_K8S_REBUILD=1 builds everything again.
//
// Why a wrapper module: k8s.io/kubernetes' own go.mod replaces its 31 k8s.io/*
// staging modules with ./staging/src/..., which `go install pkg@version`
// refuses. A module of ours that requires k8s.io/kubernetes and replaces each
// staging module with its published twin (v0.X of v1.X) builds the commands as
// they are. The wrapper is generated from the real go.mod, so it follows a pin change.
//
// Why v1.34: from v1.35 the kubelet refuses cgroup v1 unless told otherwise,
// and this machine is cgroup v1 (hybrid). 1.34 still runs with failCgroupV1: false.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOCAL } from '../lib/settings.mjs';
import { info, run, SetupError, step } from '../lib/step.mjs';
import { isExecutable, readStamp, writeStamp } from '../lib/local-files.mjs';
import { installHint } from '../install-hints.mjs';

export const K8S_PINS = Object.freeze({
  kubernetes: 'v1.34.4',
  /** The published version of every k8s.io staging module for that release. */
  staging: 'v0.34.4',
  coredns: 'v1.14.1',
  /** The pause image's version tag; its source is build/pause/linux/pause.c of the kubernetes module. */
  pause: '3.10',
});

export const K8S_DIR = path.join(LOCAL, 'k8s');
export const BIN = path.join(K8S_DIR, 'bin');
const WRAPPER_DIR = path.join(K8S_DIR, 'go', 'kubernetes-wrapper');
const STAMP = path.join(K8S_DIR, 'build-stamp.json');

export const KUBE_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'kubectl'];

/** Debian packages the node needs, by the file that proves each is installed. */
const DEBIAN_PACKAGES = {
  containerd: '/usr/bin/containerd',
  runc: '/usr/sbin/runc',
  'containernetworking-plugins': '/usr/lib/cni/bridge',
  'etcd-server': '/usr/bin/etcd',
  iptables: '/usr/sbin/iptables',
  conntrack: '/usr/sbin/conntrack',
  umoci: '/usr/bin/umoci',
  skopeo: '/usr/bin/skopeo',
  // images: the Dockerfile's builder, and the Debian rootfs of its base image
  buildah: '/usr/bin/buildah',
  mmdebstrap: '/usr/bin/mmdebstrap',
  gcc: '/usr/bin/gcc',
  'libc6-dev': '/usr/lib/x86_64-linux-gnu/libc.a',
  openssl: '/usr/bin/openssl',
  iproute2: '/usr/sbin/ip',
  'util-linux': '/usr/bin/nsenter',
  curl: '/usr/bin/curl',
  procps: '/usr/sbin/sysctl',
};

// Module mode, no cgo (static binaries), no VCS stamping, no go.work from above.
const GO_ENV = { CGO_ENABLED: '0', GOWORK: 'off', GOFLAGS: '-buildvcs=false' };
const GO_HINT = installHint('go', { version: '1.24' });

/**
 * Builds run at the lowest CPU and I/O priority: a cold build takes tens of
 * minutes on two cores and must not starve whatever else the machine runs
 * (a test stack, a benchmark).
 */
function build(command, args, options) {
  return run('nice', ['-n', '19', 'ionice', '-c3', command, ...args], options);
}

export async function ensureDebianPackages() {
  const missing = Object.entries(DEBIAN_PACKAGES)
    .filter(([, file]) => !fs.existsSync(file))
    .map(([name]) => name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new SetupError(`the local cluster needs these Debian packages: ${missing.join(' ')}`, {
      hint: `as root, ${installHint('debian-packages', { packages: missing })}`,
    });
  }
  await step(`Installing Debian packages (${missing.join(', ')})`, async () => {
    const hint =
      'apt-get must be usable (Debian or Ubuntu, root, a reachable mirror); install these packages yourself and run the command again: ' +
      missing.join(' ');
    try {
      await run('apt-get', ['--version']);
    } catch (error) {
      throw new SetupError(`apt-get is not available on this machine (${error.message})`, { hint });
    }
    await run('apt-get', ['update', '-qq'], { hint });
    // policy-rc.d: Debian's containerd and etcd packages would start their
    // services; ours run inside the node's namespaces, started by us.
    const policy = '/usr/sbin/policy-rc.d';
    const hadPolicy = fs.existsSync(policy);
    if (!hadPolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    try {
      await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
        env: { DEBIAN_FRONTEND: 'noninteractive' },
        hint,
      });
    } finally {
      if (!hadPolicy) fs.rmSync(policy, { force: true });
    }
  });
}

/**
 * Makes sure every binary of the cluster is in .local/k8s/bin and matches the pins.
 * Returns the absolute paths by name.
 */
export async function ensureClusterBinaries() {
  fs.mkdirSync(BIN, { recursive: true });
  const force = process.env.ORDERFLOW_K8S_REBUILD === '1';
  const go = (await run('go', ['version'], { hint: GO_HINT })).trim();
  const stamp = readStamp(STAMP);
  const record = (key, value) => writeStamp(STAMP, { ...readStamp(STAMP), [key]: value });

  const kubeInputs = hash([go, K8S_PINS.kubernetes, K8S_PINS.staging, kubeLdflags()]);
  if (force || stamp.kubernetes !== kubeInputs || !KUBE_COMMANDS.every((c) => isExecutable(path.join(BIN, c)))) {
    await step(`Kubernetes ${K8S_PINS.kubernetes}: the wrapper module (go mod tidy)`, () => writeWrapperModule());
    await step(`Building Kubernetes ${K8S_PINS.kubernetes} (${KUBE_COMMANDS.length} commands; cold about 15-25 minutes on 2 cores)`, () =>
      build('go', ['build', '-trimpath', '-ldflags', kubeLdflags(), '-o', `${BIN}/`, ...KUBE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`)], {
        cwd: WRAPPER_DIR,
        env: GO_ENV,
        hint: GO_HINT,
      }),
    );
    record('kubernetes', kubeInputs);
  }

  const pauseInputs = hash([K8S_PINS.kubernetes, K8S_PINS.pause]);
  if (force || stamp.pause !== pauseInputs || !isExecutable(path.join(BIN, 'pause'))) {
    await step('Building pause (the pod sandbox process, static C)', async () => {
      const source = path.join(await moduleDir(`k8s.io/kubernetes@${K8S_PINS.kubernetes}`), 'build', 'pause', 'linux', 'pause.c');
      await build('gcc', ['-Os', '-static', `-DVERSION=v${K8S_PINS.pause}-orderflow`, '-o', path.join(BIN, 'pause'), source], {
        hint: installHint('gcc'),
      });
      await run('strip', [path.join(BIN, 'pause')]);
    });
    record('pause', pauseInputs);
  }

  const corednsInputs = hash([go, K8S_PINS.coredns]);
  if (force || stamp.coredns !== corednsInputs || !isExecutable(path.join(BIN, 'coredns'))) {
    // CoreDNS is built inside its own module (its go.mod and go.sum as released).
    await step(`Building CoreDNS ${K8S_PINS.coredns} (cold about 3-4 minutes)`, async () => {
      const dir = await moduleDir(`github.com/coredns/coredns@${K8S_PINS.coredns}`);
      await build('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', path.join(BIN, 'coredns'), '.'], { cwd: dir, env: GO_ENV, hint: GO_HINT });
    });
    record('coredns', corednsInputs);
  }

  const { ensureHelm } = await import('../pieces/helm.mjs');
  const helm = await ensureHelm();
  info(`Kubernetes ${K8S_PINS.kubernetes}, CoreDNS ${K8S_PINS.coredns}, pause ${K8S_PINS.pause} in ${path.relative(process.cwd(), BIN) || BIN}`);
  return {
    ...Object.fromEntries([...KUBE_COMMANDS, 'coredns', 'pause'].map((name) => [name, path.join(BIN, name)])),
    helm,
  };
}

/** The folder of a downloaded module (downloading it first when needed). */
export async function moduleDir(module) {
  const output = await run('go', ['mod', 'download', '-json', module], { cwd: os.tmpdir(), env: GO_ENV, hint: GO_HINT });
  const { Dir, Error: error } = JSON.parse(output);
  if (error || !Dir) throw new SetupError(`go mod download ${module}: ${error ?? 'no folder'}`, { hint: GO_HINT });
  return Dir;
}

async function writeWrapperModule() {
  const output = await run('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${K8S_PINS.kubernetes}`], {
    cwd: os.tmpdir(),
    env: GO_ENV,
    hint: GO_HINT,
  });
  const { GoMod, Error: error } = JSON.parse(output);
  if (error) throw new SetupError(`go mod download k8s.io/kubernetes@${K8S_PINS.kubernetes}: ${error}`, { hint: GO_HINT });
  const files = wrapperModuleFiles(fs.readFileSync(GoMod, 'utf8'));
  fs.rmSync(WRAPPER_DIR, { recursive: true, force: true });
  fs.mkdirSync(WRAPPER_DIR, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(WRAPPER_DIR, name), text);
  await build('go', ['mod', 'tidy'], { cwd: WRAPPER_DIR, env: GO_ENV, hint: GO_HINT });
}

/**
 * The wrapper module's go.mod and tools.go, from k8s.io/kubernetes' own go.mod:
 * every `k8s.io/x => ./staging/...` becomes `k8s.io/x => k8s.io/x <staging version>`.
 */
export function wrapperModuleFiles(kubernetesGoMod, pins = K8S_PINS) {
  const staging = [...kubernetesGoMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]);
  if (staging.length < 20) {
    throw new SetupError(`found only ${staging.length} staging replace directives in k8s.io/kubernetes' go.mod; its layout has changed`, {
      hint: 'read that go.mod and adapt wrapperModuleFiles() in tools/devstack/k8s/build.mjs',
    });
  }
  const goDirective = /^go\s+(\S+)/m.exec(kubernetesGoMod)?.[1];
  if (!goDirective) throw new SetupError("k8s.io/kubernetes' go.mod has no go directive");
  const goMod = [
    '// Generated by tools/devstack/k8s/build.mjs: builds the commands of k8s.io/kubernetes',
    '// with its staging modules taken from the module proxy. Do not edit.',
    'module orderflow.local/kubernetes-wrapper',
    '',
    `go ${goDirective}`,
    '',
    // Kubernetes builds with the language semantics of its own go directive.
    `godebug default=go${goDirective.split('.').slice(0, 2).join('.')}`,
    '',
    `require k8s.io/kubernetes ${pins.kubernetes}`,
    '',
    'replace (',
    ...staging.map((module) => `\t${module} => ${module} ${pins.staging}`),
    ')',
    '',
  ].join('\n');
  // Names the command packages so that `go mod tidy` keeps everything they import.
  const tools = [
    '//go:build tools',
    '',
    '// Generated by tools/devstack/k8s/build.mjs.',
    'package tools',
    '',
    'import (',
    ...KUBE_COMMANDS.map((c) => `\t_ "k8s.io/kubernetes/cmd/${c}"`),
    ')',
    '',
  ].join('\n');
  return { 'go.mod': goMod, 'tools.go': tools };
}

/** Without these the servers report v0.0.0-master, and Helm's kubeVersion checks (ours: >=1.29) fail. */
function kubeLdflags() {
  const v = K8S_PINS.kubernetes;
  const [major, minor] = v.slice(1).split('.');
  const sets = {
    'k8s.io/component-base/version.gitVersion': v,
    'k8s.io/component-base/version.gitMajor': major,
    'k8s.io/component-base/version.gitMinor': minor,
    'k8s.io/component-base/version.gitTreeState': 'clean',
    'k8s.io/component-base/version.buildDate': '1970-01-01T00:00:00Z',
    'k8s.io/client-go/pkg/version.gitVersion': v,
    'k8s.io/client-go/pkg/version.gitMajor': major,
    'k8s.io/client-go/pkg/version.gitMinor': minor,
  };
  return ['-s', '-w', ...Object.entries(sets).map(([name, value]) => `-X ${name}=${value}`)].join(' ');
}

function hash(parts) {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
