// The Kubernetes side of the chart: Deployments beside Dapr sidecars, probes,
// security, resources, disruption budgets, autoscaling, network policies and the
// migration Jobs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import {
  appContainer,
  helm,
  deploymentOf,
  envVar,
  named,
  ofKind,
  render,
  renderSet,
  SERVICES,
  VALUE_SET_LABELS,
  VALUE_SETS,
  type K8sObject,
  type Rendering,
  type ServiceId,
  type ValueSetName,
  templateArgs,
} from './support/render';

const APP_PORTS: Record<ServiceId, number> = { 'order-service': 3001, 'payment-service': 3002, 'notification-service': 3003 };

/** The Secret a secretKeyRef or token annotation names: rendered by the chart, or one the values say the user made. */
function secretIsProvided(rendering: Rendering, name: string, userSecrets: string[]): boolean {
  return ofKind(rendering, 'Secret').some((s) => s.metadata.name === name) || userSecrets.includes(name);
}

const USER_SECRETS: Record<ValueSetName, string[]> = {
  default: ['orderflow-database'],
  production: [
    'orderflow-database',
    'orderflow-kafka',
    'orderflow-smtp',
    'order-service-dapr-api-token',
    'payment-service-dapr-api-token',
    'notification-service-dapr-api-token',
    'order-service-app-api-token',
    'payment-service-app-api-token',
    'notification-service-app-api-token',
  ],
  inlineCredentials: [],
};

function securityContextIsRestrictive(pod: any, container: any): void {
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(container.securityContext).toMatchObject({
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  expect(container.securityContext.runAsUser).toBeGreaterThan(0);
  expect(container.securityContext.privileged ?? false).toBe(false);
  expect(container.securityContext.capabilities.add).toBeUndefined();
}

const VALUE_SETS_CHECKED = (['default', 'production', 'inlineCredentials'] as ValueSetName[]).map((set) => [VALUE_SET_LABELS[set], set] as const);

describe.each(VALUE_SETS_CHECKED)('the workloads with %s', (_label, set) => {
  const rendering = () => renderSet(set);

  it('gives every Deployment the Dapr annotations and probes', () => {
    const deployments = ofKind(rendering(), 'Deployment');
    expect(deployments).toHaveLength(3);
    const configurations = ofKind(rendering(), 'Configuration').map((c) => c.metadata.name);
    for (const id of SERVICES) {
      const deployment = deploymentOf(rendering(), id);
      const annotations = deployment.spec.template.metadata.annotations;
      const container = appContainer(deployment);
      expect(annotations).toMatchObject({
        'dapr.io/enabled': 'true',
        'dapr.io/app-id': id,
        'dapr.io/app-port': String(APP_PORTS[id]),
        'dapr.io/enable-metrics': 'true',
        'dapr.io/log-as-json': 'true',
      });
      expect(configurations).toContain(annotations['dapr.io/config']);
      expect(secretIsProvided(rendering(), annotations['dapr.io/api-token-secret'], USER_SECRETS[set])).toBe(true);
      expect(annotations['dapr.io/metrics-port']).toMatch(/^\d+$/);
      // The sidecar waits for the app's readiness before delivering events and cron triggers to it.
      expect(annotations).toMatchObject({ 'dapr.io/enable-app-health-check': 'true', 'dapr.io/app-health-check-path': '/health/ready' });

      expect(container.ports).toEqual([
        { name: 'http', containerPort: APP_PORTS[id], protocol: 'TCP' },
        // order-service's public listener: the order routes and the probes, nothing else.
        ...(id === 'order-service' ? [{ name: 'public', containerPort: 8080, protocol: 'TCP' }] : []),
      ]);
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.command).toEqual(['node', 'dist/start.js']);
    }
  });

  it('gives the app the environment Kubernetes needs, and the same tokens as its sidecar', () => {
    for (const id of SERVICES) {
      const deployment = deploymentOf(rendering(), id);
      const annotations = deployment.spec.template.metadata.annotations;
      const container = appContainer(deployment);
      const value = (name: string) => envVar(container, name)?.value;
      // Probes come from the kubelet, outside the pod.
      expect(value('APP_HOST')).toBe('0.0.0.0');
      expect(value('APP_PORT')).toBe(String(APP_PORTS[id]));
      expect(value('DAPR_HTTP_PORT')).toBe('3500');
      // The migration Job migrates; the pods never race each other to do it.
      expect(value('MIGRATE_ON_START')).toBe('false');
      const database = envVar(container, 'DATABASE_URL').valueFrom.secretKeyRef;
      expect(secretIsProvided(rendering(), database.name, USER_SECRETS[set])).toBe(true);
      // Dapr's injector gives the sidecar its tokens but not the app: the chart does, from the same Secret.
      expect(envVar(container, 'DAPR_API_TOKEN').valueFrom.secretKeyRef).toEqual({ name: annotations['dapr.io/api-token-secret'], key: 'token' });
      // Every app requires its app token: only its sidecar gets past the probes and /metrics.
      const appToken = envVar(container, 'APP_API_TOKEN');
      expect(appToken.valueFrom.secretKeyRef).toEqual({ name: annotations['dapr.io/app-token-secret'], key: 'token' });
      expect(secretIsProvided(rendering(), annotations['dapr.io/app-token-secret'], USER_SECRETS[set])).toBe(true);
      // No secret value is written into a pod spec.
      for (const entry of container.env as any[]) {
        if (/TOKEN|PASSWORD|DATABASE_URL/.test(entry.name)) expect(entry.value).toBeUndefined();
      }
    }
    // Each service has its own tokens: knowing one service's does not open another.
    const apiTokens = SERVICES.map((id) => deploymentOf(rendering(), id).spec.template.metadata.annotations['dapr.io/api-token-secret']);
    expect(new Set(apiTokens).size).toBe(3);
    const appTokens = SERVICES.map((id) => deploymentOf(rendering(), id).spec.template.metadata.annotations['dapr.io/app-token-secret']);
    expect(new Set(appTokens).size).toBe(3);
  });

  it("checks customers' tokens against the issuer the values name, and serves them on the public port", () => {
    const container = appContainer(deploymentOf(rendering(), 'order-service'));
    const value = (name: string) => envVar(container, name)?.value;
    expect(value('AUTH_ISSUER')).toMatch(/^https:\/\//);
    expect(value('AUTH_JWKS_URI')).toMatch(/^https:\/\//);
    expect(value('AUTH_AUDIENCE')).toBe('orderflow-api');
    expect(value('AUTH_ALGORITHMS')).toMatch(/^(RS|ES|PS)\d{3}(,(RS|ES|PS)\d{3})*$/);
    expect(envVar(container, 'AUTH_INSECURE_NO_AUTH')).toBeUndefined();
    expect(value('PUBLIC_PORT')).toBe('8080');
    expect(value('PUBLIC_HOST')).toBe('0.0.0.0');
    expect(value('TRUSTED_PROXY_COUNT')).toBe('1');
  });

  it('has notification-service send one e-mail at a time (Dapr’s stock SMTP binding can swap the recipients of concurrent sends), unless told otherwise', () => {
    const sends = (r: Rendering) => envVar(appContainer(deploymentOf(r, 'notification-service')), 'EMAIL_MAX_CONCURRENT_SENDS')?.value;
    expect(sends(renderSet('default'))).toBe('1');
    expect(sends(render(VALUE_SETS.default, { 'notificationService.settings.emailMaxConcurrentSends': '8' }))).toBe('8');
    expect(() => render(VALUE_SETS.default, { 'notificationService.settings.emailMaxConcurrentSends': '0' })).toThrow(/emailMaxConcurrentSends/);
  });

  it('runs every container as non-root, on a read-only root filesystem, without privilege escalation or capabilities', () => {
    for (const workload of [...ofKind(rendering(), 'Deployment'), ...ofKind(rendering(), 'Job')]) {
      const pod = workload.spec.template.spec;
      for (const container of pod.containers) securityContextIsRestrictive(pod, container);
      expect(pod.automountServiceAccountToken).toBe(false);
      // Node.js gets a writable /tmp, the only writable path.
      expect(pod.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    }
    for (const deployment of ofKind(rendering(), 'Deployment')) {
      // Dapr's injector takes the sidecar's seccomp profile from this annotation.
      expect(deployment.spec.template.metadata.annotations['dapr.io/sidecar-seccomp-profile-type']).toBe('RuntimeDefault');
      // The sidecar reads no Secrets itself: Dapr's operator resolves the components' secretKeyRefs.
      expect(deployment.spec.template.metadata.annotations['dapr.io/disable-builtin-k8s-secret-store']).toBe('true');
    }
  });

  it('gives every container and every sidecar resource requests and limits', () => {
    for (const workload of [...ofKind(rendering(), 'Deployment'), ...ofKind(rendering(), 'Job')]) {
      for (const container of workload.spec.template.spec.containers) {
        expect(container.resources).toEqual({
          requests: { cpu: expect.anything(), memory: expect.anything() },
          limits: { cpu: expect.anything(), memory: expect.anything() },
        });
      }
    }
    for (const deployment of ofKind(rendering(), 'Deployment')) {
      const annotations = deployment.spec.template.metadata.annotations;
      for (const name of ['cpu-request', 'memory-request', 'cpu-limit', 'memory-limit']) {
        expect(annotations[`dapr.io/sidecar-${name}`]).toEqual(expect.any(String));
      }
    }
  });

  it('gives the pods time to finish in-flight work on SIGTERM', () => {
    for (const deployment of ofKind(rendering(), 'Deployment')) {
      const container = appContainer(deployment);
      const shutdownSeconds = Number(envVar(container, 'SHUTDOWN_TIMEOUT_MS').value) / 1000;
      const daprSeconds = Number(deployment.spec.template.metadata.annotations['dapr.io/graceful-shutdown-seconds']);
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Math.max(shutdownSeconds, daprSeconds));
    }
  });

  it('covers every Deployment with a PodDisruptionBudget that selects exactly its pods and never blocks a drain for good', () => {
    for (const id of SERVICES) {
      const deployment = deploymentOf(rendering(), id);
      const budgets = ofKind(rendering(), 'PodDisruptionBudget').filter((pdb) =>
        Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => deployment.spec.template.metadata.labels[k] === v),
      );
      expect(budgets).toHaveLength(1);
      expect(budgets[0]!.spec.selector).toEqual(deployment.spec.selector);
      expect(budgets[0]!.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
      expect(budgets[0]!.spec.minAvailable).toBeUndefined();
    }
  });

  it("gives every service a Service: order-service's on its public port (the order routes only), the others' on their app port", () => {
    for (const id of SERVICES) {
      const deployment = deploymentOf(rendering(), id);
      const service = named(rendering(), 'Service', deployment.metadata.name);
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      const target = id === 'order-service' ? 'public' : 'http';
      expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: target, protocol: 'TCP' }]);
    }
  });

  it('runs the migrations as pre-install and pre-upgrade hook Jobs, without a Dapr sidecar', () => {
    const jobs = ofKind(rendering(), 'Job');
    expect(jobs).toHaveLength(3);
    for (const id of SERVICES) {
      const deployment = deploymentOf(rendering(), id);
      const job = jobs.find((j) => j.metadata.labels?.['app.kubernetes.io/component'] === `${id}-migrations`);
      expect(job).toBeDefined();
      expect(job!.metadata.annotations).toMatchObject({
        'helm.sh/hook': 'pre-install,pre-upgrade',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      });
      const pod = job!.spec.template;
      expect(pod.metadata.annotations['dapr.io/enabled']).toBe('false');
      expect(pod.spec.restartPolicy).toBe('Never');
      const container = pod.spec.containers[0];
      expect(container.command).toEqual(['node', 'dist/migrate.js']);
      expect(container.image).toBe(appContainer(deployment).image);
      expect(envVar(container, 'DATABASE_URL')).toEqual(envVar(appContainer(deployment), 'DATABASE_URL'));
      // The hook runs before the chart's own objects exist: it may use only what is already there.
      expect(pod.spec.serviceAccountName).toBe('default');
      const secretName = envVar(container, 'DATABASE_URL').valueFrom.secretKeyRef.name;
      const chartSecret = ofKind(rendering(), 'Secret').find((s) => s.metadata.name === secretName);
      if (chartSecret) {
        expect(chartSecret.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
        expect(Number(chartSecret.metadata.annotations?.['helm.sh/hook-weight'])).toBeLessThan(Number(job!.metadata.annotations?.['helm.sh/hook-weight']));
      }
    }
  });

  it('never uses a moving image tag', () => {
    for (const workload of [...ofKind(rendering(), 'Deployment'), ...ofKind(rendering(), 'Job')]) {
      for (const container of workload.spec.template.spec.containers) {
        expect(container.image).toMatch(/^[^:@]+(:[0-9][\w.-]*|@sha256:[a-f0-9]{64})$/);
        expect(container.image).not.toMatch(/:latest$/);
      }
    }
  });
});

describe('the optional workloads', () => {
  it('creates no HorizontalPodAutoscaler or Ingress unless asked', () => {
    const rendering = renderSet('default');
    for (const kind of ['HorizontalPodAutoscaler', 'Ingress']) expect(ofKind(rendering, kind)).toEqual([]);
    for (const deployment of ofKind(rendering, 'Deployment')) expect(deployment.spec.replicas).toBe(2);
  });

  it('closes every pod with a NetworkPolicy by default: only the order API is open (to any pod), sidecar-to-sidecar calls only where the access policy allows one, nothing else', () => {
    const rendering = renderSet('default');
    const policyOf = (id: ServiceId): K8sObject => named(rendering, 'NetworkPolicy', deploymentOf(rendering, id).metadata.name);
    for (const id of SERVICES) {
      expect(policyOf(id).spec.podSelector.matchLabels).toEqual(deploymentOf(rendering, id).spec.selector.matchLabels);
      expect(policyOf(id).spec.policyTypes).toEqual(['Ingress']);
    }
    // order-service: its public port only. Its app port (the sweep, the app channel) and metrics: nobody by default.
    expect(policyOf('order-service').spec.ingress).toEqual([{ ports: [{ port: 'public', protocol: 'TCP' }] }]);
    // payment-service: Dapr's sidecar-to-sidecar port, from order-service's pods only.
    expect(policyOf('payment-service').spec.ingress).toEqual([
      { ports: [{ port: 50002, protocol: 'TCP' }], from: [{ podSelector: { matchLabels: deploymentOf(rendering, 'order-service').spec.selector.matchLabels } }] },
    ]);
    expect(policyOf('notification-service').spec.ingress).toEqual([]);
    expect(() => render(VALUE_SETS.default, { 'networkPolicy.enabled': 'false' })).not.toThrow();
  });

  it('scales a Deployment with a HorizontalPodAutoscaler, which then owns its replica count', () => {
    const rendering = renderSet('production');
    for (const id of ['order-service', 'payment-service'] as const) {
      const deployment = deploymentOf(rendering, id);
      const hpa = named(rendering, 'HorizontalPodAutoscaler', deployment.metadata.name);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      expect(deployment.spec.replicas).toBeUndefined();
    }
    expect(deploymentOf(rendering, 'notification-service').spec.replicas).toBe(2);
  });

  it('lets only order-service reach payment-service through Dapr, and only the API clients reach the API, when network policies are on', () => {
    const rendering = renderSet('production');
    const policyOf = (id: ServiceId): K8sObject => named(rendering, 'NetworkPolicy', deploymentOf(rendering, id).metadata.name);
    for (const id of SERVICES) {
      expect(policyOf(id).spec.podSelector.matchLabels).toEqual(deploymentOf(rendering, id).spec.selector.matchLabels);
      expect(policyOf(id).spec.policyTypes).toEqual(['Ingress']);
    }
    const rulesOn = (id: ServiceId, port: number | string) =>
      (policyOf(id).spec.ingress as any[]).filter((rule) => rule.ports.some((p: any) => p.port === port));

    const invocation = rulesOn('payment-service', 50002);
    expect(invocation).toHaveLength(1);
    expect(invocation[0].from).toEqual([{ podSelector: { matchLabels: deploymentOf(rendering, 'order-service').spec.selector.matchLabels } }]);
    // Each app's own port: scrapers only (GET /metrics); its app token refuses anything else.
    const scrapers = [[{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]];
    for (const id of SERVICES) expect(rulesOn(id, 'http').map((rule) => rule.from)).toEqual(scrapers);
    // The order API (order-service's public port) from the Ingress controller only.
    expect(rulesOn('order-service', 'public').map((rule) => rule.from)).toEqual([
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
    ]);
    // Dapr calls into order-service from the callers accessControl admits, and only those.
    expect(rulesOn('order-service', 50002).map((rule) => rule.from)).toEqual([
      [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'backoffice' } },
          podSelector: { matchLabels: { 'dapr.io/app-id': 'back-office' } },
        },
      ],
    ]);
    expect(rulesOn('notification-service', 50002)).toEqual([]);
  });

  it('denies all ingress to notification-service when nobody scrapes it', () => {
    const rendering = render(VALUE_SETS.default, { 'networkPolicy.enabled': 'true' });
    const policy = named(rendering, 'NetworkPolicy', deploymentOf(rendering, 'notification-service').metadata.name);
    expect(policy.spec.ingress).toEqual([]);
  });

  it("routes only the customer routes through the Ingress (/orders, /orders/{reference}), to order-service's public port", () => {
    const rendering = renderSet('production');
    const ingress = ofKind(rendering, 'Ingress')[0]!;
    const paths = ingress.spec.rules.flatMap((rule: any) => rule.http.paths);
    const order = deploymentOf(rendering, 'order-service');
    expect(paths).toEqual([{ path: '/orders', pathType: 'Prefix', backend: { service: { name: order.metadata.name, port: { name: 'http' } } } }]);
    // That Service port leads to the public listener, where no sweep, metrics or app channel is served.
    const servicePort = named(rendering, 'Service', order.metadata.name).spec.ports.find((port: any) => port.name === 'http');
    expect(servicePort.targetPort).toBe('public');
    const publicPort = appContainer(order).ports.find((port: any) => port.name === 'public').containerPort;
    expect(envVar(appContainer(order), 'PUBLIC_PORT').value).toBe(String(publicPort));
    expect(publicPort).not.toBe(Number(envVar(appContainer(order), 'APP_PORT').value));
  });

  it('names the callers trusted as services (trustedService) to order-service, and only those', () => {
    const callers = (rendering: Rendering) => envVar(appContainer(deploymentOf(rendering, 'order-service')), 'SERVICE_CALLERS').value;
    expect(callers(renderSet('production'))).toBe('back-office');
    expect(callers(renderSet('default'))).toBe('');
  });
});

describe("the issuer's private CA (auth.caCert)", () => {
  const ISSUER_CA_VALUES = path.join(__dirname, 'fixtures/issuer-ca-values.yaml');
  const CA_FILE = '/etc/orderflow/issuer-ca/ca.crt';
  const caPem = (): string => YAML.parse(fs.readFileSync(ISSUER_CA_VALUES, 'utf8')).auth.caCert;

  /** `helm template` with the minimal values and `--set-file auth.caCert=<a file holding pem>`, as the README says. */
  function renderWithCaFile(pem: string): K8sObject[] {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'issuer-ca-'));
    try {
      const file = path.join(folder, 'ca.pem');
      fs.writeFileSync(file, pem);
      const result = helm([...templateArgs(VALUE_SETS.default), '--set-file', `auth.caCert=${file}`]);
      if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
      return YAML.parseAllDocuments(result.stdout).map((document) => document.toJS() as K8sObject).filter((object) => object !== null);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }

  it("when set, puts it in a ConfigMap mounted read-only into order-service, and points Node.js's NODE_EXTRA_CA_CERTS at it", () => {
    const rendering = render([ISSUER_CA_VALUES]);
    const configMap = named(rendering, 'ConfigMap', 'orderflow-issuer-ca');
    expect(configMap.data).toEqual({ 'ca.crt': caPem() });

    const order = deploymentOf(rendering, 'order-service');
    const container = appContainer(order);
    expect(envVar(container, 'NODE_EXTRA_CA_CERTS')).toEqual({ name: 'NODE_EXTRA_CA_CERTS', value: CA_FILE });
    const mount = (container.volumeMounts as any[]).find((m) => m.name === 'issuer-ca');
    expect(mount).toEqual({ name: 'issuer-ca', mountPath: path.dirname(CA_FILE), readOnly: true });
    const volume = (order.spec.template.spec.volumes as any[]).find((v) => v.name === 'issuer-ca');
    expect(volume).toEqual({ name: 'issuer-ca', configMap: { name: 'orderflow-issuer-ca' } });
    // What the file inside the mount is called: the ConfigMap's one key.
    expect(Object.keys(configMap.data)).toEqual([path.basename(CA_FILE)]);
    // The other services never call the issuer.
    for (const id of ['payment-service', 'notification-service'] as const) {
      const deployment = deploymentOf(rendering, id);
      expect(envVar(appContainer(deployment), 'NODE_EXTRA_CA_CERTS')).toBeUndefined();
      expect(JSON.stringify(deployment.spec.template.spec.volumes)).not.toContain('issuer-ca');
    }
  });

  it('when empty (the default), renders nothing of it', () => {
    for (const set of ['default', 'production', 'inlineCredentials'] as const) {
      const rendering = renderSet(set);
      expect(ofKind(rendering, 'ConfigMap').filter((c) => c.metadata.name.endsWith('-issuer-ca'))).toEqual([]);
      expect(rendering.text).not.toContain('NODE_EXTRA_CA_CERTS');
      expect(rendering.text).not.toContain('issuer-ca');
    }
  });

  it('takes the CA from a file with --set-file auth.caCert=ca.pem, as the README says', () => {
    const objects = renderWithCaFile(caPem());
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orderflow-issuer-ca');
    expect(configMap?.data).toEqual({ 'ca.crt': caPem() });
  });

  it("rolls order-service's pods when the CA changes (Node.js reads it only at start), and no other service's", () => {
    const annotations = (objects: K8sObject[], id: ServiceId) =>
      objects.find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === id)!.spec.template.metadata.annotations;
    const one = renderWithCaFile(caPem());
    const bundle = renderWithCaFile(`${caPem()}${caPem()}`);
    expect(annotations(one, 'order-service')['checksum/issuer-ca']).toMatch(/^[a-f0-9]{64}$/);
    expect(annotations(bundle, 'order-service')['checksum/issuer-ca']).not.toBe(annotations(one, 'order-service')['checksum/issuer-ca']);
    expect(annotations(bundle, 'payment-service')).toEqual(annotations(one, 'payment-service'));
    expect(annotations(renderSet('default').objects, 'order-service')['checksum/issuer-ca']).toBeUndefined();
  });
});
