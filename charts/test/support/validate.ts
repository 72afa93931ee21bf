// Validates rendered objects offline with kubeconform, in strict mode (a field the
// schema does not know is an error, as is an object without a schema):
//
// - Kubernetes objects against kubernetes-validate's strict JSON schemas. Those
//   refer to a shared _definitions.json by an absolute URI kubeconform would fetch
//   from kubernetes.io, so each schema used is first made standalone (its
//   definitions copied in).
// - dapr.io objects against Dapr's CRDs: each served version's openAPIV3Schema,
//   turned into a JSON schema the way the API server reads it, but strict: an object
//   with declared properties rejects any other (the API server would silently drop
//   them; a dropped field in a Component is a bug we want to see), int-or-string
//   and nullable spelled out, metadata checked as a real ObjectMeta.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { ChartTools } from './tools';
import type { K8sObject } from './render';

export interface ValidationResult {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';
  msg: string;
  validationErrors?: Array<{ path: string; msg: string }>;
}

type Json = any;

const DEFS_PREFIX = '/api/_definitions.json#/$defs/';

/** A folder of standalone schemas for one Kubernetes version, plus Dapr's, as kubeconform wants them. */
export class SchemaStore {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-schemas-'));
  private readonly definitions = new Map<string, Record<string, Json>>();

  constructor(private readonly tools: ChartTools) {}

  kubernetesDir(version: string): string {
    return path.join(this.root, `k8s-v${version}`);
  }

  daprDir(version: string): string {
    return path.join(this.root, `dapr-for-v${version}`);
  }

  /** Makes sure every object has its schema written; those kubeconform cannot find stay missing (an error). */
  prepare(objects: K8sObject[], version: string): void {
    for (const object of objects) {
      const [group, apiVersion] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
      if (group === 'dapr.io') this.writeDaprSchema(object.kind, apiVersion!, version);
      else this.writeKubernetesSchema(object.kind, group!, apiVersion!, version);
    }
  }

  private sourceDir(version: string): string {
    return path.join(this.tools.kubernetesSchemaDir, `v${version}-local-strict`);
  }

  private defs(version: string): Record<string, Json> {
    let defs = this.definitions.get(version);
    if (!defs) {
      defs = JSON.parse(fs.readFileSync(path.join(this.sourceDir(version), '_definitions.json'), 'utf8')).$defs as Record<string, Json>;
      this.definitions.set(version, defs);
    }
    return defs;
  }

  /** kubeconform's name for it: {{ .ResourceKind }}{{ .KindSuffix }}.json, e.g. deployment-apps-v1.json. */
  private writeKubernetesSchema(kind: string, group: string, apiVersion: string, version: string): void {
    const suffix = group ? `-${group.split('.')[0]!.toLowerCase()}-${apiVersion}` : `-${apiVersion}`;
    const file = `${kind.toLowerCase()}${suffix}.json`;
    const target = path.join(this.kubernetesDir(version), file);
    if (fs.existsSync(target)) return;
    const source = path.join(this.sourceDir(version), file);
    if (!fs.existsSync(source)) return; // kubeconform reports "could not find schema"
    const schema = JSON.parse(fs.readFileSync(source, 'utf8'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, JSON.stringify(this.standalone(schema, version)));
  }

  /** The schema with its $refs pointing into its own $defs, holding every definition it reaches. */
  private standalone(schema: Json, version: string, extraRoots: string[] = []): Json {
    const defs = this.defs(version);
    const needed = new Set<string>(extraRoots);
    const rewrite = (node: Json): Json => {
      if (Array.isArray(node)) return node.map(rewrite);
      if (node === null || typeof node !== 'object') return node;
      const out: Json = {};
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          const name = value.startsWith(DEFS_PREFIX) ? value.slice(DEFS_PREFIX.length) : value.startsWith('#/$defs/') ? value.slice(8) : undefined;
          if (name === undefined) throw new Error(`unexpected $ref ${value}`);
          needed.add(name);
          out.$ref = `#/$defs/${name}`;
        } else {
          out[key] = rewrite(value);
        }
      }
      return out;
    };
    const { $id: _id, ...body } = rewrite(schema);
    const copied: Record<string, Json> = {};
    const queue = [...needed];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (copied[name]) continue;
      const definition = defs[name];
      if (!definition) throw new Error(`Kubernetes ${version} schemas have no definition ${name}`);
      const before = new Set(needed);
      copied[name] = rewrite(definition);
      for (const found of needed) if (!before.has(found)) queue.push(found);
    }
    return { ...body, $defs: { ...(body.$defs ?? {}), ...copied } };
  }

  /** {{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json, e.g. dapr.io/component_v1alpha1.json. */
  private writeDaprSchema(kind: string, apiVersion: string, version: string): void {
    const target = path.join(this.daprDir(version), 'dapr.io', `${kind.toLowerCase()}_${apiVersion}.json`);
    if (fs.existsSync(target)) return;
    const crd = daprCrds(this.tools.daprCrdDir).find((c) => c.spec.names.kind === kind);
    const served = crd?.spec.versions.find((v: Json) => v.name === apiVersion && v.served);
    if (!served) return; // no such kind or version in Dapr's CRDs: kubeconform reports it
    const schema = strictOpenApi(served.schema.openAPIV3Schema);
    schema.properties.apiVersion = { type: 'string', enum: [`dapr.io/${apiVersion}`] };
    schema.properties.kind = { type: 'string', enum: [kind] };
    schema.properties.metadata = { $ref: '/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
    schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata'])];
    const standalone = this.standalone({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...schema }, version);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, JSON.stringify(standalone));
  }

  /** kubeconform over the objects, strict, every object needing a schema; one result per object. */
  validate(objects: K8sObject[], version: string): ValidationResult[] {
    this.prepare(objects, version);
    const input = path.join(this.root, `input-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(input, objects.map((object) => YAML.stringify(object)).join('---\n'));
    const result = spawnSync(
      this.tools.kubeconform,
      [
        '-strict',
        '-verbose',
        '-output',
        'json',
        '-kubernetes-version',
        version,
        '-schema-location',
        path.join(this.kubernetesDir(version), '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
        '-schema-location',
        path.join(this.daprDir(version), '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
        input,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.error) throw result.error;
    let report: { resources: ValidationResult[] };
    try {
      report = JSON.parse(result.stdout);
    } catch {
      throw new Error(`kubeconform did not answer in JSON (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    return report.resources;
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

let crdCache: { dir: string; crds: Json[] } | undefined;

export function daprCrds(dir: string): Json[] {
  if (crdCache?.dir === dir) return crdCache.crds;
  const crds = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .flatMap((name) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, name), 'utf8')).map((d) => d.toJS()))
    .filter((doc) => doc?.kind === 'CustomResourceDefinition' && doc.spec?.group === 'dapr.io');
  crdCache = { dir, crds };
  return crds;
}

/**
 * A CRD's structural OpenAPI v3 schema as a strict JSON schema: objects that
 * declare properties (and neither additionalProperties nor
 * x-kubernetes-preserve-unknown-fields) take no others.
 */
export function strictOpenApi(node: Json): Json {
  if (Array.isArray(node)) return node.map(strictOpenApi);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'nullable') continue;
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as object).map(([name, sub]) => [name, strictOpenApi(sub)]));
    } else {
      out[key] = strictOpenApi(value);
    }
  }
  if (node['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (node.nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (out.properties && out.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}
