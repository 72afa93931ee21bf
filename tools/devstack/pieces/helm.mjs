// The tools the chart tests need, all offline after the first install:
//
//   .local/bin/helm          helm.sh/helm/v3, built from the Go module proxy
//   .local/bin/kubeconform   github.com/yannh/kubeconform, built from the Go module proxy
//   .local/k8s-schemas/      the PyPI package kubernetes-validate: Kubernetes' OpenAPI
//                            schemas as JSON schemas (strict variants reject unknown
//                            fields), one folder per Kubernetes version
//   Dapr's CRDs              charts/dapr/crds of the github.com/dapr/dapr module, the
//                            version our daprd is built from (DAPR_PINS.dapr)
//
// Each is installed again only when its pin (or the Go version) changes; a stamp
// in .local/chart-tools/ records what is there. ORDERFLOW_REINSTALL_CHART_TOOLS=1
// installs everything again.
//
// Why the version ldflags: a Helm built by `go install` reports "v3.22" and assumes
// Kubernetes v1.20 (it reads both from ldflags its Makefile sets). We set the same
// ldflags as Helm's Makefile (the Kubernetes version derived from its client-go,
// as the Makefile does) and, besides, the chart tests pass --kube-version
// explicitly, so nothing depends on a default.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DAPR_PINS } from './dapr-toolchain.mjs';
import { LOCAL, ROOT } from '../lib/settings.mjs';
import { info, run, SetupError, step } from '../lib/step.mjs';
import { isExecutable, readStamp, writeStamp } from '../lib/local-files.mjs';
import { installHint } from '../install-hints.mjs';
import { definePiece, toolRuns } from '../lib/piece.mjs';

export const CHART_TOOL_PINS = Object.freeze({
  /** v3.22.0 is served by the module proxy reachable here (see the report in the PR for refused versions). */
  helm: 'v3.22.0',
  /** Helm v3.22.0's go.mod requires k8s.io/client-go v0.37.0; its Makefile turns that into Kubernetes 1.37. */
  helmDefaultKubeVersion: '1.37',
  kubeconform: 'v0.7.0',
  /** Bundles the schemas of Kubernetes 1.25 to 1.37. */
  kubernetesValidate: '1.37.0',
  /**
   * The Kubernetes version the chart is rendered for and validated against. Dapr
   * 1.18 is built on client-go v0.32 and supports the Kubernetes releases around
   * it; 1.33 is a current release Dapr 1.18 runs on. The tests also validate
   * against the newest schemas kubernetes-validate bundles, to catch API removals.
   */
  kubeVersion: '1.33.0',
  /** The Dapr CRDs: the same Dapr release our daprd is built from. */
  dapr: DAPR_PINS.dapr,
});

const BIN_DIR = path.join(LOCAL, 'bin');
export const HELM = path.join(BIN_DIR, 'helm');
const KUBECONFORM = path.join(BIN_DIR, 'kubeconform');
const SCHEMA_TARGET = path.join(LOCAL, 'k8s-schemas');
/** Where kubernetes-validate keeps its schemas, inside the pip --target folder. */
const SCHEMA_DIR = path.join(SCHEMA_TARGET, 'kubernetes_validate', 'kubernetes-json-schema');
const TOOLS_DIR = path.join(LOCAL, 'chart-tools');
const STAMP = path.join(TOOLS_DIR, 'stamp.json');
/** The copy of Dapr's CRDs beside a checkout (shared/dapr-crds), used only when the Go module cannot be had. */
const SHARED_CRD_DIR = path.resolve(ROOT, '..', 'shared', 'dapr-crds');

const HELM_LDFLAGS = [
  '-s',
  '-w',
  `-X helm.sh/helm/v3/internal/version.version=${CHART_TOOL_PINS.helm}`,
  '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
  ...['pkg/lint/rules', 'pkg/chartutil'].flatMap((pkg) => {
    const [major, minor] = CHART_TOOL_PINS.helmDefaultKubeVersion.split('.');
    return [`-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=${major}`, `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${minor}`];
  }),
].join(' ');
const KUBECONFORM_LDFLAGS = `-s -w -X main.version=${CHART_TOOL_PINS.kubeconform}`;

// Module mode from a neutral folder: no go.work, no cgo, no VCS stamping.
const GO_ENV = { CGO_ENABLED: '0', GOWORK: 'off', GOFLAGS: '-buildvcs=false' };
const GO_HINT = installHint('go', { version: '1.22' });
const PIP_HINT = installHint('python', {
  orElse: 'make sure PyPI is reachable (pip config list), or set ORDERFLOW_K8S_SCHEMA_DIR to a folder holding kubernetes-validate\'s kubernetes-json-schema',
});

/**
 * Makes sure helm, kubeconform, the Kubernetes JSON schemas and Dapr's CRDs are
 * on this machine. Returns absolute paths and the pinned Kubernetes version:
 * { helm, kubeconform, kubernetesSchemaDir, daprCrdDir, daprCrdSource, kubeVersion }.
 */
export async function ensureChartTools() {
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  const force = process.env.ORDERFLOW_REINSTALL_CHART_TOOLS === '1';
  const go = await goVersion();
  const stamp = readStamp(STAMP);

  await ensureHelm({ go, force });

  const kubeconformInputs = hash([go, CHART_TOOL_PINS.kubeconform, KUBECONFORM_LDFLAGS]);
  if (force || stamp.kubeconform !== kubeconformInputs || !isExecutable(KUBECONFORM)) {
    await step(`Building kubeconform ${CHART_TOOL_PINS.kubeconform} (go install)`, () =>
      goInstall(`github.com/yannh/kubeconform/cmd/kubeconform@${CHART_TOOL_PINS.kubeconform}`, 'kubeconform', KUBECONFORM, KUBECONFORM_LDFLAGS),
    );
    writeStamp(STAMP, { ...readStamp(STAMP), kubeconform: kubeconformInputs });
  }

  const kubernetesSchemaDir = await ensureKubernetesSchemas(force);
  const { dir: daprCrdDir, source: daprCrdSource } = await step(`Dapr ${CHART_TOOL_PINS.dapr} CRDs`, () => findDaprCrds());

  const helmVersion = (await run(HELM, ['version', '--short'], { hint: 'delete .local/bin/helm and run again' })).trim();
  info(`helm ${helmVersion}, kubeconform ${CHART_TOOL_PINS.kubeconform}, Kubernetes schemas ${CHART_TOOL_PINS.kubernetesValidate} (validating for ${CHART_TOOL_PINS.kubeVersion})`);
  info(`Dapr CRDs: ${daprCrdSource}`);
  return {
    helm: HELM,
    kubeconform: KUBECONFORM,
    kubernetesSchemaDir,
    daprCrdDir,
    daprCrdSource,
    kubeVersion: CHART_TOOL_PINS.kubeVersion,
  };
}

/**
 * Builds Helm into .local/bin/helm when it is missing or its pin changed; the
 * chart tests and the local cluster (scripts/k8s.mjs) share it. Returns its path.
 */
export async function ensureHelm({ go, force = process.env.ORDERFLOW_REINSTALL_CHART_TOOLS === '1' } = {}) {
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  const helmInputs = hash([go ?? (await goVersion()), CHART_TOOL_PINS.helm, HELM_LDFLAGS]);
  if (force || readStamp(STAMP).helm !== helmInputs || !isExecutable(HELM)) {
    await step(`Building Helm ${CHART_TOOL_PINS.helm} (go install; first build about 1.5 minutes)`, () =>
      goInstall(`helm.sh/helm/v3/cmd/helm@${CHART_TOOL_PINS.helm}`, 'helm', HELM, HELM_LDFLAGS),
    );
    writeStamp(STAMP, { ...readStamp(STAMP), helm: helmInputs });
  }
  return HELM;
}

/**
 * The environment the chart tests (charts/test) read; see charts/test/support/tools.ts.
 * Helm's own folders point into .local/ so the tests never read or write the
 * user's Helm configuration (repositories, plugins, registry logins).
 */
export function chartTestEnvironment(tools) {
  const helmHome = path.join(TOOLS_DIR, 'helm-home');
  return {
    ORDERFLOW_HELM: tools.helm,
    ORDERFLOW_KUBECONFORM: tools.kubeconform,
    ORDERFLOW_K8S_SCHEMA_DIR: tools.kubernetesSchemaDir,
    ORDERFLOW_DAPR_CRD_DIR: tools.daprCrdDir,
    ORDERFLOW_KUBE_VERSION: tools.kubeVersion,
    HELM_CACHE_HOME: path.join(helmHome, 'cache'),
    HELM_CONFIG_HOME: path.join(helmHome, 'config'),
    HELM_DATA_HOME: path.join(helmHome, 'data'),
  };
}

async function goVersion() {
  const output = await run('go', ['version'], { hint: GO_HINT });
  return output.trim();
}

/** go install into a scratch GOBIN, then rename into place: a half-built binary is never on PATH. */
async function goInstall(modulePath, binaryName, target, ldflags) {
  const gobin = fs.mkdtempSync(path.join(TOOLS_DIR, `${binaryName}-build-`));
  try {
    // Lowest CPU and I/O priority: a build must not starve a running stack or test.
    await run('nice', ['-n', '19', 'ionice', '-c3', 'go', 'install', '-trimpath', '-ldflags', ldflags, modulePath], {
      cwd: os.tmpdir(), // module mode: must not see our package.json folders as a Go module
      env: { ...GO_ENV, GOBIN: gobin },
      hint: `${GO_HINT}. If the proxy refuses this version (403), try another patch release in CHART_TOOL_PINS (tools/devstack/pieces/helm.mjs)`,
    });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(path.join(gobin, binaryName), target);
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}

async function ensureKubernetesSchemas(force) {
  const override = process.env.ORDERFLOW_K8S_SCHEMA_DIR;
  if (override) {
    checkSchemaDir(override, 'ORDERFLOW_K8S_SCHEMA_DIR');
    return path.resolve(override);
  }
  const inputs = hash([CHART_TOOL_PINS.kubernetesValidate]);
  const stamp = readStamp(STAMP);
  if (force || stamp.schemas !== inputs || !fs.existsSync(path.join(SCHEMA_DIR, `v${CHART_TOOL_PINS.kubeVersion}-local-strict`))) {
    await step(`Kubernetes JSON schemas (pip install kubernetes-validate==${CHART_TOOL_PINS.kubernetesValidate}, about 20 MB)`, async () => {
      const python = await findPython();
      const scratch = `${SCHEMA_TARGET}.tmp-${process.pid}`;
      fs.rmSync(scratch, { recursive: true, force: true });
      try {
        // --no-deps: only the bundled schema files are used, never the package's Python code.
        await run(
          python,
          ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--no-compile', '--target', scratch,
            `kubernetes-validate==${CHART_TOOL_PINS.kubernetesValidate}`],
          { hint: PIP_HINT },
        );
        fs.rmSync(SCHEMA_TARGET, { recursive: true, force: true });
        fs.renameSync(scratch, SCHEMA_TARGET);
      } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    });
    writeStamp(STAMP, { ...readStamp(STAMP), schemas: inputs });
  }
  checkSchemaDir(SCHEMA_DIR, `kubernetes-validate ${CHART_TOOL_PINS.kubernetesValidate}`);
  return SCHEMA_DIR;
}

function checkSchemaDir(dir, what) {
  const wanted = path.join(dir, `v${CHART_TOOL_PINS.kubeVersion}-local-strict`, 'deployment-apps-v1.json');
  if (!fs.existsSync(wanted)) {
    throw new SetupError(`${what} has no strict schemas for Kubernetes ${CHART_TOOL_PINS.kubeVersion} (looked for ${wanted})`, {
      hint: `pin a kubernetes-validate release that bundles v${CHART_TOOL_PINS.kubeVersion}, or change kubeVersion in CHART_TOOL_PINS (tools/devstack/pieces/helm.mjs)`,
    });
  }
}

async function findPython() {
  for (const candidate of ['python3', 'python']) {
    try {
      await run(candidate, ['-m', 'pip', '--version']);
      return candidate;
    } catch (error) {
      // Not there, or without pip: the next one may do.
      if (!(error instanceof SetupError)) throw error;
    }
  }
  throw new SetupError('no Python 3 with pip found (`python3 -m pip --version` failed); it installs the Kubernetes JSON schemas', {
    hint: PIP_HINT,
  });
}

/**
 * Dapr's CRDs from the github.com/dapr/dapr module (the version daprd is built
 * from): the Go module always works on a fresh clone, wherever it is. The copy
 * in ../shared/dapr-crds is used only when the module cannot be downloaded, and
 * ORDERFLOW_DAPR_CRD_DIR overrides both.
 */
async function findDaprCrds() {
  const override = process.env.ORDERFLOW_DAPR_CRD_DIR;
  if (override) {
    checkCrdDir(override, 'ORDERFLOW_DAPR_CRD_DIR');
    return { dir: path.resolve(override), source: `ORDERFLOW_DAPR_CRD_DIR=${override}` };
  }
  const module = `github.com/dapr/dapr@${CHART_TOOL_PINS.dapr}`;
  try {
    const output = await run('go', ['mod', 'download', '-json', module], { cwd: os.tmpdir(), env: GO_ENV, hint: GO_HINT });
    const { Dir, Error: error } = JSON.parse(output);
    if (error || !Dir) throw new SetupError(error ?? `go mod download gave no folder for ${module}`);
    const dir = path.join(Dir, 'charts', 'dapr', 'crds');
    checkCrdDir(dir, module);
    return { dir, source: `${module} charts/dapr/crds (${dir})` };
  } catch (error) {
    if (!(error instanceof SetupError) || !fs.existsSync(SHARED_CRD_DIR)) throw error;
    checkCrdDir(SHARED_CRD_DIR, SHARED_CRD_DIR);
    const reason = /"Error":\s*"([^"]+)"/.exec(error.message)?.[1] ?? error.message.split('\n')[0];
    info(`could not download ${module} (${reason}); using ${SHARED_CRD_DIR}`);
    return { dir: SHARED_CRD_DIR, source: `${SHARED_CRD_DIR} (the Go module could not be downloaded)` };
  }
}

function checkCrdDir(dir, what) {
  for (const file of ['components.yaml', 'configuration.yaml', 'resiliency.yaml', 'subscription.yaml']) {
    if (!fs.existsSync(path.join(dir, file))) {
      throw new SetupError(`${what}: ${path.join(dir, file)} is missing; it should hold Dapr's CRDs`, {
        hint: 'point ORDERFLOW_DAPR_CRD_DIR at a copy of charts/dapr/crds from github.com/dapr/dapr, or unset it',
      });
    }
  }
}

function hash(parts) {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The piece (tools/devstack/lib/piece.mjs): helm, kubeconform and the schemas the chart tests validate against. */
export const piece = definePiece({
  name: 'chart-tools',
  kind: 'tool',
  async detect() {
    return { installed: isExecutable(HELM) && isExecutable(KUBECONFORM), running: false, where: path.relative(ROOT, BIN_DIR), version: `helm ${CHART_TOOL_PINS.helm}` };
  },
  install: ensureChartTools,
  start: ensureChartTools,
  async health() {
    return toolRuns(HELM, ['version', '--short']);
  },
  stop: async () => undefined,
});
