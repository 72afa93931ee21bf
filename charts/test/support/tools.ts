// Where the chart tests find their tools. tools/devstack/pieces/helm.mjs installs them
// (ensureChartTools) and chartTestEnvironment() turns its answer into these
// variables; run by hand, set them yourself:
//
//   ORDERFLOW_HELM            the helm binary (v3)
//   ORDERFLOW_KUBECONFORM     the kubeconform binary
//   ORDERFLOW_K8S_SCHEMA_DIR  kubernetes-validate's kubernetes-json-schema folder
//                             (v<version>-local-strict/ subfolders)
//   ORDERFLOW_DAPR_CRD_DIR    Dapr's CRDs (charts/dapr/crds of github.com/dapr/dapr)
//   ORDERFLOW_KUBE_VERSION    the Kubernetes version to render and validate for (e.g. 1.33.0)
import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const CHART_DIR = path.join(REPO_ROOT, 'charts/orderflow');

export interface ChartTools {
  helm: string;
  kubeconform: string;
  kubernetesSchemaDir: string;
  daprCrdDir: string;
  kubeVersion: string;
}

const VARIABLES = {
  helm: 'ORDERFLOW_HELM',
  kubeconform: 'ORDERFLOW_KUBECONFORM',
  kubernetesSchemaDir: 'ORDERFLOW_K8S_SCHEMA_DIR',
  daprCrdDir: 'ORDERFLOW_DAPR_CRD_DIR',
  kubeVersion: 'ORDERFLOW_KUBE_VERSION',
} as const;

let cached: ChartTools | undefined;

/** The tools, or an error that says which variable is missing and how to get it. */
export function chartTools(): ChartTools {
  if (cached) return cached;
  const missing: string[] = [];
  const read = (name: string) => {
    const value = process.env[name];
    if (!value) missing.push(name);
    return value ?? '';
  };
  const tools: ChartTools = {
    helm: read(VARIABLES.helm),
    kubeconform: read(VARIABLES.kubeconform),
    kubernetesSchemaDir: read(VARIABLES.kubernetesSchemaDir),
    daprCrdDir: read(VARIABLES.daprCrdDir),
    kubeVersion: read(VARIABLES.kubeVersion),
  };
  if (missing.length > 0) {
    throw new Error(
      `the chart tests need ${missing.join(', ')}: run them through npm test, or set them from ` +
        "tools/devstack/pieces/helm.mjs (node -e \"import('./tools/devstack/pieces/helm.mjs').then(async (m) => console.log(m.chartTestEnvironment(await m.ensureChartTools())))\")",
    );
  }
  for (const [key, name] of Object.entries(VARIABLES)) {
    if (key === 'kubeVersion') continue;
    const value = tools[key as keyof ChartTools];
    if (!fs.existsSync(value)) throw new Error(`${name}=${value} does not exist`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(tools.kubeVersion)) throw new Error(`ORDERFLOW_KUBE_VERSION=${tools.kubeVersion} is not a version like 1.33.0`);
  cached = tools;
  return tools;
}

/** Every Kubernetes version the schema folder has strict schemas for, oldest first. */
export function bundledKubernetesVersions(tools: ChartTools): string[] {
  return fs
    .readdirSync(tools.kubernetesSchemaDir)
    .map((name) => /^v(\d+\.\d+\.\d+)-local-strict$/.exec(name)?.[1])
    .filter((version): version is string => version !== undefined)
    .sort((a, b) => {
      const [x, y] = [a, b].map((v) => v.split('.').map(Number));
      return x![0]! - y![0]! || x![1]! - y![1]! || x![2]! - y![2]!;
    });
}
