// Every rendered object validated offline, strictly: Kubernetes objects against
// Kubernetes' own schemas (the pinned version and the newest bundled one), dapr.io
// objects against Dapr's CRDs. See support/validate.ts for how.
import path from 'node:path';
import { render, VALUE_SET_LABELS, VALUE_SETS, type K8sObject, type ValueSetName } from './support/render';
import { bundledKubernetesVersions, chartTools } from './support/tools';
import { SchemaStore, type ValidationResult } from './support/validate';

const FIXTURES = path.join(__dirname, 'fixtures');

let store: SchemaStore;
beforeAll(() => {
  store = new SchemaStore(chartTools());
});
afterAll(() => store?.dispose());

function describeFailures(results: ValidationResult[]): string {
  return results
    .filter((r) => r.status !== 'statusValid')
    .map((r) => `${r.kind} ${r.name}: ${r.status} ${r.msg}${(r.validationErrors ?? []).map((e) => `\n    ${e.path}: ${e.msg}`).join('')}`)
    .join('\n');
}

function expectAllValid(objects: K8sObject[], version: string): ValidationResult[] {
  const results = store.validate(objects, version);
  expect(describeFailures(results)).toBe('');
  // One verdict per object: nothing skipped for want of a schema.
  expect(results).toHaveLength(objects.length);
  return results;
}

const renderings: Array<[string, readonly string[]]> = [
  ...(Object.keys(VALUE_SETS) as ValueSetName[]).map((name): [string, readonly string[]] => [VALUE_SET_LABELS[name], VALUE_SETS[name]]),
  ['Kafka authenticated by mTLS', [path.join(FIXTURES, 'kafka-mtls-values.yaml')]],
  ['an issuer with a private CA (auth.caCert)', [path.join(FIXTURES, 'issuer-ca-values.yaml')]],
];

describe('the rendered chart, validated against schemas', () => {
  describe.each(renderings)('with %s', (_label, valuesFiles) => {
    it('has only Kubernetes objects that are valid for the pinned Kubernetes version in strict mode', () => {
      const { kubeVersion } = chartTools();
      const objects = render(valuesFiles).objects;
      const results = expectAllValid(
        objects.filter((o) => !o.apiVersion.startsWith('dapr.io/')),
        kubeVersion,
      );
      expect(results.length).toBeGreaterThan(0);
    });

    it('has only Kubernetes objects that are still valid for the newest Kubernetes schemas bundled', () => {
      const newest = bundledKubernetesVersions(chartTools()).at(-1)!;
      const objects = render(valuesFiles, {}, newest).objects.filter((o) => !o.apiVersion.startsWith('dapr.io/'));
      expectAllValid(objects, newest);
    });

    it("has only dapr.io objects that are valid against Dapr's CRD schemas in strict mode", () => {
      const daprObjects = render(valuesFiles).objects.filter((o) => o.apiVersion.startsWith('dapr.io/'));
      expect(daprObjects.map((o) => o.kind).sort()).toEqual(
        expect.arrayContaining(['Component', 'Configuration', 'Resiliency', 'Subscription']),
      );
      expectAllValid(daprObjects, chartTools().kubeVersion);
    });
  });

  // The checks above are only worth something if the validator rejects what it should.
  describe('the validator itself', () => {
    const deployment = () => structuredClone(render().objects.find((o) => o.kind === 'Deployment')!);
    const component = () => structuredClone(render().objects.find((o) => o.kind === 'Component')!);

    it('rejects a Deployment with a field Kubernetes does not know', () => {
      const object = deployment();
      object.spec.template.spec.containers[0].readinessProbes = object.spec.template.spec.containers[0].readinessProbe;
      const [result] = store.validate([object], chartTools().kubeVersion);
      expect(result?.status).toBe('statusInvalid');
      expect(`${result?.msg} ${JSON.stringify(result?.validationErrors)}`).toContain('readinessProbes');
    });

    it('rejects a Deployment with a value of the wrong type', () => {
      const object = deployment();
      object.spec.replicas = 'two';
      expect(store.validate([object], chartTools().kubeVersion)[0]?.status).toBe('statusInvalid');
    });

    it('rejects a Dapr Component with a field its CRD does not know', () => {
      const object = component();
      object.spec.metdata = object.spec.metadata;
      const [result] = store.validate([object], chartTools().kubeVersion);
      expect(result?.status).toBe('statusInvalid');
      expect(`${result?.msg} ${JSON.stringify(result?.validationErrors)}`).toContain('metdata');
    });

    it('rejects a Dapr Component whose metadata item lacks its name', () => {
      const object = component();
      delete object.spec.metadata[0].name;
      expect(store.validate([object], chartTools().kubeVersion)[0]?.status).toBe('statusInvalid');
    });

    it('rejects a dapr.io kind or version Dapr does not serve', () => {
      const object = component();
      object.apiVersion = 'dapr.io/v9';
      const [result] = store.validate([object], chartTools().kubeVersion);
      expect(result?.status).not.toBe('statusValid');
      expect(result?.status).not.toBe('statusSkipped');
    });
  });
});
