// What the chart does with what it finds in the cluster: `lookup` answers nothing in
// `helm template`, so these tests render a copy of the chart whose lookups are
// replaced by files standing for the cluster's answers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { helm, NAMESPACE, RELEASE, VALUE_SETS } from './support/render';
import { CHART_DIR, chartTools } from './support/tools';

interface Cluster {
  /** The dapr.io API versions the cluster serves (Dapr's CRDs installed), as --api-versions. */
  apiVersions?: string[];
  /** Dapr's daprsystem Configuration, or nothing. */
  daprSystem?: object;
  /** A token Secret already in the namespace (an upgrade). */
  existingTokenSecret?: object;
}

let chartCopy: string;
beforeAll(() => {
  chartCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-cluster-'));
  fs.cpSync(CHART_DIR, chartCopy, { recursive: true });
  const replace = (file: string, from: string, to: string) => {
    const full = path.join(chartCopy, 'templates', file);
    const text = fs.readFileSync(full, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} no longer contains ${from}: update this test`);
    fs.writeFileSync(full, text.replace(from, to));
  };
  replace('preflight.yaml', 'lookup "v1" "ServiceAccount" .Release.Namespace "default"', '(dict "kind" "ServiceAccount")');
  replace(
    'preflight.yaml',
    'lookup "dapr.io/v1alpha1" "Configuration" .Values.dapr.controlPlaneNamespace "daprsystem"',
    '(.Files.Get "cluster/daprsystem.yaml" | fromYaml)',
  );
  replace('_helpers.tpl', 'lookup "v1" "Secret" .root.Release.Namespace .name', '(.root.Files.Get "cluster/secret.yaml" | fromYaml)');
});
afterAll(() => fs.rmSync(chartCopy, { recursive: true, force: true }));

function install(cluster: Cluster, set: Record<string, string> = {}) {
  const dir = path.join(chartCopy, 'cluster');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'daprsystem.yaml'), cluster.daprSystem ? YAML.stringify(cluster.daprSystem) : '');
  fs.writeFileSync(path.join(dir, 'secret.yaml'), cluster.existingTokenSecret ? YAML.stringify(cluster.existingTokenSecret) : '');
  return helm([
    'template',
    RELEASE,
    chartCopy,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    chartTools().kubeVersion,
    ...VALUE_SETS.default.flatMap((file) => ['--values', file]),
    ...(cluster.apiVersions ?? []).flatMap((v) => ['--api-versions', v]),
    ...Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
  ]);
}

const DAPR = ['dapr.io/v1alpha1/Component', 'dapr.io/v1alpha1/Configuration', 'dapr.io/v1alpha1/Resiliency', 'dapr.io/v2alpha1/Subscription'];
const daprSystem = (mtls: boolean) => ({
  apiVersion: 'dapr.io/v1alpha1',
  kind: 'Configuration',
  metadata: { name: 'daprsystem', namespace: 'dapr-system' },
  spec: { mtls: { enabled: mtls, workloadCertTTL: '24h' } },
});

describe('the install, against what is in the cluster', () => {
  it('refuses to install where Dapr is not installed', () => {
    const result = install({ apiVersions: [] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("Dapr's CRDs are not installed");
  });

  it("refuses to install when mTLS is off in Dapr's control plane, as accessControl would then be void", () => {
    const result = install({ apiVersions: DAPR, daprSystem: daprSystem(false) });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('mTLS is off');
  });

  it('installs when mTLS is on, or when Dapr keeps its default (no daprsystem settings: on)', () => {
    expect(install({ apiVersions: DAPR, daprSystem: daprSystem(true) }).status).toBe(0);
    expect(install({ apiVersions: DAPR }).status).toBe(0);
  });

  it('installs without mTLS only when told to, knowingly', () => {
    expect(install({ apiVersions: DAPR, daprSystem: daprSystem(false) }, { 'dapr.requireMtls': 'false' }).status).toBe(0);
  });

  it('keeps the Dapr and app tokens it made across upgrades', () => {
    const existing = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'whatever-the-lookup-asked-for' },
      data: { token: Buffer.from('the-token-from-the-first-install').toString('base64') },
    };
    const upgraded = install({ apiVersions: DAPR, existingTokenSecret: existing });
    expect(upgraded.status).toBe(0);
    const tokens = YAML.parseAllDocuments(upgraded.stdout)
      .map((d) => d.toJS())
      .filter((o) => o?.kind === 'Secret' && /-api-token$/.test(o.metadata.name))
      .map((o) => Buffer.from(o.data.token, 'base64').toString('utf8'));
    // Three services, two tokens each: the Dapr API token and the app token every app requires.
    expect(tokens.length).toBe(6);
    expect(new Set(tokens)).toEqual(new Set(['the-token-from-the-first-install']));

    const fresh = YAML.parseAllDocuments(install({ apiVersions: DAPR }).stdout)
      .map((d) => d.toJS())
      .filter((o) => o?.kind === 'Secret' && /-api-token$/.test(o.metadata.name))
      .map((o) => Buffer.from(o.data.token, 'base64').toString('utf8'));
    expect(fresh.every((token) => /^[A-Za-z0-9]{48}$/.test(token))).toBe(true);
    expect(new Set(fresh).size).toBe(fresh.length);
  });
});
