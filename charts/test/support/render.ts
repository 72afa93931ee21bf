// Renders the chart with the real helm binary and reads the result as objects.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import YAML from 'yaml';
import { CHART_DIR, chartTools } from './tools';

export const NAMESPACE = 'orderflow';
export const RELEASE = 'orderflow';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

export interface Rendering {
  /** helm template's output, as written. */
  text: string;
  objects: K8sObject[];
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The values files the chart is checked with. */
export const VALUE_SETS = {
  /** The defaults plus the one thing an install must name: the customers' issuer (ci/minimal-values.yaml). */
  default: [path.join(CHART_DIR, 'ci/minimal-values.yaml')],
  production: [path.join(CHART_DIR, 'ci/production-values.yaml')],
  /** Every credential given inline, so the chart creates the Secrets from values. */
  inlineCredentials: [path.join(__dirname, '../fixtures/inline-credentials-values.yaml')],
} as const;
export type ValueSetName = keyof typeof VALUE_SETS;
export const VALUE_SET_LABELS: Record<ValueSetName, string> = {
  default: 'the default values (and the customers\' issuer)',
  production: 'the production values (ci/production-values.yaml)',
  inlineCredentials: 'every credential given inline',
};

export function helm(args: string[]): HelmResult {
  const result = spawnSync(chartTools().helm, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const cache = new Map<string, Rendering>();

/** `helm template` with the given values files (and --set pairs); throws with helm's message when it fails. */
export function render(valuesFiles: readonly string[] = VALUE_SETS.default, set: Record<string, string> = {}, kubeVersion = chartTools().kubeVersion): Rendering {
  const key = JSON.stringify([valuesFiles, set, kubeVersion]);
  const hit = cache.get(key);
  if (hit) return hit;
  const result = helm(templateArgs(valuesFiles, set, kubeVersion));
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  const objects = YAML.parseAllDocuments(result.stdout)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`helm template wrote invalid YAML: ${document.errors[0]?.message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
  const rendering = { text: result.stdout, objects };
  cache.set(key, rendering);
  return rendering;
}

export function renderSet(name: ValueSetName): Rendering {
  return render(VALUE_SETS[name]);
}

export function templateArgs(valuesFiles: readonly string[], set: Record<string, string> = {}, kubeVersion = chartTools().kubeVersion): string[] {
  return [
    'template',
    RELEASE,
    CHART_DIR,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    kubeVersion,
    ...valuesFiles.flatMap((file) => ['--values', file]),
    ...Object.entries(set).flatMap(([name, value]) => ['--set', `${name}=${value}`]),
  ];
}

export function ofKind(rendering: Rendering, kind: string): K8sObject[] {
  return rendering.objects.filter((object) => object.kind === kind);
}

export function named(rendering: Rendering, kind: string, name: string): K8sObject {
  const found = rendering.objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered chart`);
  return found;
}

export const SERVICES = ['order-service', 'payment-service', 'notification-service'] as const;
export type ServiceId = (typeof SERVICES)[number];

/** A service's Deployment, found by its component label. */
export function deploymentOf(rendering: Rendering, id: ServiceId): K8sObject {
  const found = ofKind(rendering, 'Deployment').find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === id);
  if (!found) throw new Error(`no Deployment for ${id}`);
  return found;
}

export function appContainer(deployment: K8sObject): any {
  const containers = deployment.spec.template.spec.containers as any[];
  if (containers.length !== 1) throw new Error(`${deployment.metadata.name} has ${containers.length} containers; Dapr's injector adds daprd`);
  return containers[0];
}

export function envVar(container: any, name: string): any {
  return (container.env as any[] | undefined)?.find((entry) => entry.name === name);
}

/** The metadata items of a Dapr Component, by name. */
export function componentMetadata(component: K8sObject): Map<string, any> {
  return new Map((component.spec.metadata as any[]).map((item) => [item.name as string, item]));
}
