// The chart's values: helm lint --strict passes with the shipped values files,
// values.schema.json (and the few checks templates make) refuse bad ones with a
// message naming the value at fault, and NOTES.txt tells the user how to reach the API.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { helm, NAMESPACE, ofKind, RELEASE, render, templateArgs, VALUE_SETS, type Rendering } from './support/render';
import { CHART_DIR, chartTools } from './support/tools';

const INVALID_DIR = path.join(CHART_DIR, 'ci/invalid');
const invalidFiles = fs
  .readdirSync(INVALID_DIR)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

/** Each bad values file says, in a `# expect:` line, what helm's error must name. */
function expectedError(file: string): string {
  const line = fs
    .readFileSync(path.join(INVALID_DIR, file), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('# expect:'));
  if (!line) throw new Error(`${file} has no "# expect: <what the error names>" line`);
  return line.slice('# expect:'.length).trim();
}

describe('the chart values', () => {
  it.each([
    ['the default values', VALUE_SETS.default],
    ['the production values', VALUE_SETS.production],
  ])('pass helm lint --strict with %s', (_label, valuesFiles) => {
    const { kubeVersion } = chartTools();
    const result = helm([
      'lint',
      CHART_DIR,
      '--strict',
      '--namespace',
      NAMESPACE,
      '--kube-version',
      kubeVersion,
      ...valuesFiles.flatMap((file) => ['--values', file]),
    ]);
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({
      status: 0,
      output: expect.stringContaining('1 chart(s) linted, 0 chart(s) failed'),
    });
    expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it('has a real chart version and the app version 0.1.0', () => {
    const chart = YAML.parse(fs.readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8'));
    expect(chart.apiVersion).toBe('v2');
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(chart.appVersion).toBe('0.1.0');
  });

  it('ships at least one bad values file per kind of mistake it guards against', () => {
    expect(invalidFiles.length).toBeGreaterThanOrEqual(8);
  });

  it.each(invalidFiles)('rejects ci/invalid/%s, naming the value at fault', (file) => {
    // Each on top of the least an install needs (the customers' issuer), so that its own mistake is the one named.
    const result = helm(templateArgs([...VALUE_SETS.default, path.join(INVALID_DIR, file)]));
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(expectedError(file));
  });

  // helm lint runs the schema, but reports a template's `fail` only as [INFO]: the
  // files whose expected error is a value's path (schema errors) fail the lint too.
  it.each(invalidFiles.filter((file) => expectedError(file).startsWith('/')))('fails helm lint --strict on ci/invalid/%s too', (file) => {
    const result = helm([
      'lint',
      CHART_DIR,
      '--strict',
      '--kube-version',
      chartTools().kubeVersion,
      ...[...VALUE_SETS.default, path.join(INVALID_DIR, file)].flatMap((values) => ['--values', values]),
    ]);
    expect(result.status).not.toBe(0);
  });

  it("refuses the default values alone: customers are authenticated by default, and the issuer is the install's to name", () => {
    const result = helm(templateArgs([]));
    expect(result.status).not.toBe(0);
    for (const value of ['/auth/issuer', '/auth/audience', '/auth/jwksUri']) expect(result.stderr).toContain(value);
  });

  it('installs without an issuer only with the loudly named development switch, which turns authentication off in order-service', () => {
    const rendering = render([], { 'auth.developmentMode.insecureNoAuth': 'true' });
    const order = rendering.objects.find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'order-service')!;
    const env = order.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    expect(env.find((e) => e.name === 'AUTH_INSECURE_NO_AUTH')?.value).toBe('true');
    expect(env.find((e) => e.name === 'AUTH_ISSUER')).toBeUndefined();
  });

  it('still accepts paymentService.settings.outboxPollIntervalMs from an older values file (deprecated, ignored) and renders it nowhere', () => {
    const withOldKey = render(VALUE_SETS.default, { 'paymentService.settings.outboxPollIntervalMs': '250' });
    const envs = (rendering: Rendering) =>
      ofKind(rendering, 'Deployment').map((deployment) => deployment.spec.template.spec.containers.map((container: { env?: unknown }) => container.env));

    expect(envs(withOldKey)).toEqual(envs(render(VALUE_SETS.default)));
    expect(withOldKey.text).not.toMatch(/OUTBOX_POLL|outboxPollIntervalMs/i);
  });

  it('renders nothing that depends on the cluster when there is none (helm template)', () => {
    // templates/preflight.yaml looks Dapr and its mTLS setting up only on a real install.
    expect(() => render()).not.toThrow();
  });
});

describe('NOTES.txt', () => {
  // helm template does not print NOTES.txt and an install needs a cluster: render it
  // through a copy of the chart with one more template that includes it.
  let chartCopy: string;
  beforeAll(() => {
    chartCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-notes-'));
    fs.cpSync(CHART_DIR, chartCopy, { recursive: true });
    fs.writeFileSync(
      path.join(chartCopy, 'templates/notes-preview.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-preview\ndata:\n  notes: |\n{{ include "orderflow/templates/NOTES.txt" . | indent 4 }}\n',
    );
  });
  afterAll(() => fs.rmSync(chartCopy, { recursive: true, force: true }));

  function notes(valuesFiles: readonly string[] = VALUE_SETS.default, set: Record<string, string> = {}): string {
    const args = templateArgs(valuesFiles, set);
    args[2] = chartCopy;
    const result = helm([...args, '--show-only', 'templates/notes-preview.yaml']);
    if (result.status !== 0) throw new Error(result.stderr);
    return YAML.parse(result.stdout).data.notes as string;
  }

  it("tells the user how to reach the API with a port-forward, and how to place an order with a customer's token", () => {
    const text = notes();
    expect(text).toContain(`kubectl -n ${NAMESPACE} port-forward service/${RELEASE}-order-service 8080:80`);
    expect(text).toContain('curl -s -X POST "$ORDERFLOW_API/orders" -H "authorization: Bearer $TOKEN"');
    expect(text).toContain('bearer token from https://login.example.com/realms/shop (audience orderflow-api)');
    expect(text).not.toContain('WARNING');
    expect(text).toContain(`http://${RELEASE}-order-service.${NAMESPACE}.svc/orders`);
  });

  it('points at the Ingress when there is one, and names the Secrets the user must have made', () => {
    const text = notes(VALUE_SETS.production);
    expect(text).toContain('export ORDERFLOW_API=https://orders.shop.example.com');
    for (const secret of ['orderflow-database', 'orderflow-kafka', 'orderflow-smtp', 'order-service-app-api-token', 'payment-service-app-api-token']) {
      expect(text).toContain(`- ${secret} (`);
    }
  });

  it('warns loudly when customers are not authenticated, or the network policies are off', () => {
    expect(notes([], { 'auth.developmentMode.insecureNoAuth': 'true' })).toContain(
      'WARNING: auth.developmentMode.insecureNoAuth=true. CUSTOMERS ARE NOT AUTHENTICATED.',
    );
    expect(notes(VALUE_SETS.default, { 'networkPolicy.enabled': 'false' })).toContain('WARNING: networkPolicy.enabled=false.');
  });
});
