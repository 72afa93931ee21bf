// The Dapr resources the chart installs: the ones the apps use, scoped to the apps
// that use them, with every credential in a Secret, and an accessControl that lets
// exactly one invocation through.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { invocationAllowed, parseTopicScopes, pruneLikeApiServer, type Caller } from './support/dapr';
import {
  componentMetadata,
  deploymentOf,
  NAMESPACE,
  named,
  ofKind,
  render,
  renderSet,
  SERVICES,
  VALUE_SET_LABELS,
  VALUE_SETS,
  type K8sObject,
  type ValueSetName,
} from './support/render';
import { chartTools, REPO_ROOT } from './support/tools';
import { daprCrds } from './support/validate';

const FIXTURES = path.join(__dirname, 'fixtures');
const readRepoYaml = (file: string) => YAML.parse(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'));

/** Component metadata that carries a credential, per component type. */
const SENSITIVE_METADATA: Record<string, string[]> = {
  'pubsub.kafka': ['saslUsername', 'saslPassword', 'caCert', 'clientCert', 'clientKey', 'oidcClientSecret', 'awsSecretKey'],
  'bindings.smtp': ['user', 'password'],
};

/** Every string under `values` that is a credential (passwords, keys, URLs with a password). */
function credentialsIn(valuesFile: string): string[] {
  const values = YAML.parse(fs.readFileSync(valuesFile, 'utf8'));
  const found = [
    values.kafka?.auth?.saslUsername,
    values.kafka?.auth?.saslPassword,
    values.kafka?.auth?.clientCert,
    values.kafka?.auth?.clientKey,
    values.kafka?.tls?.caCert,
    values.smtp?.auth?.user,
    values.smtp?.auth?.password,
    ...Object.values(values.database?.urls ?? {}),
  ].filter((value): value is string => typeof value === 'string' && value.length > 0);
  // A PEM block or a URL is also searched for by its secret-looking parts.
  const parts = found.flatMap((value) => [
    value,
    ...value.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----')),
    ...[...value.matchAll(/:\/\/[^:]+:([^@]+)@/g)].map((match) => match[1]!),
  ]);
  return [...new Set(parts.map((part) => part.trim()))];
}

const VALUE_SETS_CHECKED = (['default', 'production', 'inlineCredentials'] as ValueSetName[]).map((set) => [VALUE_SET_LABELS[set], set] as const);

describe.each(VALUE_SETS_CHECKED)('the Dapr resources with %s', (_label, set) => {
  const rendering = () => renderSet(set);

  it('renders the components the apps use, under the names they use', () => {
    const types = Object.fromEntries(ofKind(rendering(), 'Component').map((c) => [c.metadata.name, c.spec.type]));
    expect(types).toEqual({
      'kafka-pubsub': 'pubsub.kafka',
      email: 'bindings.smtp',
      'payment-retry-sweep': 'bindings.cron',
      'email-dispatch': 'bindings.cron',
      'outbox-relay': 'bindings.cron',
      'body-limit': 'middleware.http.bodylimit',
    });
    // The names the apps are configured with.
    const env = (id: (typeof SERVICES)[number], name: string) =>
      (deploymentOf(rendering(), id).spec.template.spec.containers[0].env as any[]).find((e) => e.name === name)?.value;
    expect(env('payment-service', 'PUBSUB_NAME')).toBe('kafka-pubsub');
    expect(env('notification-service', 'EMAIL_BINDING_NAME')).toBe('email');
    expect(env('order-service', 'PAYMENT_APP_ID')).toBe('payment-service');
  });

  it('scopes the Kafka pub/sub so that only payment-service publishes payment-topic, only notification-service subscribes, and it publishes only its dead letters', () => {
    const kafka = named(rendering(), 'Component', 'kafka-pubsub');
    // notification-service's sidecar publishes what it dead-letters: that topic and no other.
    const deadLetterTopic = ofKind(rendering(), 'Subscription')[0]!.spec.deadLetterTopic;
    const metadata = componentMetadata(kafka);
    const publishing = parseTopicScopes(metadata.get('publishingScopes').value);
    const subscribing = parseTopicScopes(metadata.get('subscriptionScopes').value);
    const loadedBy = new Set<string>(kafka.scopes);
    for (const app of SERVICES) {
      const publishes = loadedBy.has(app) ? (publishing[app] ?? null) : [];
      const subscribes = loadedBy.has(app) ? (subscribing[app] ?? null) : [];
      // An app named with no topics may use none; an app not named at all would get every topic.
      expect({ app, publishes, subscribes }).toEqual({
        app,
        publishes: app === 'payment-service' ? ['payment-topic'] : app === 'notification-service' ? [deadLetterTopic] : [],
        subscribes: app === 'notification-service' ? ['payment-topic'] : [],
      });
    }
    expect(metadata.get('brokers').value).toMatch(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/);
    expect(metadata.get('initialOffset').value).toBe('oldest');
  });

  it('has the SMTP binding require STARTTLS, so the login never goes in clear text', () => {
    expect(componentMetadata(named(rendering(), 'Component', 'email')).get('requireTLS')).toEqual({ name: 'requireTLS', value: 'true' });
  });

  it('scopes the SMTP binding and the e-mail dispatch tick to notification-service, the payment sweep tick to order-service, and the outbox relay tick to payment-service', () => {
    expect(named(rendering(), 'Component', 'email').scopes).toEqual(['notification-service']);
    expect(named(rendering(), 'Component', 'email-dispatch').scopes).toEqual(['notification-service']);
    expect(named(rendering(), 'Component', 'payment-retry-sweep').scopes).toEqual(['order-service']);
    expect(named(rendering(), 'Component', 'outbox-relay').scopes).toEqual(['payment-service']);
    for (const name of ['payment-retry-sweep', 'email-dispatch', 'outbox-relay']) {
      expect(componentMetadata(named(rendering(), 'Component', name)).get('direction').value).toBe('input');
    }
  });

  it('keeps every credential out of the Components: they are secretKeyRefs into Secrets', () => {
    const secrets = ofKind(rendering(), 'Secret');
    for (const component of ofKind(rendering(), 'Component')) {
      expect(component.auth?.secretStore ?? 'kubernetes').toBe('kubernetes');
      for (const item of component.spec.metadata as any[]) {
        if (!(SENSITIVE_METADATA[component.spec.type] ?? []).includes(item.name)) continue;
        expect({ component: component.metadata.name, item: item.name, value: item.value }).toEqual({
          component: component.metadata.name,
          item: item.name,
          value: undefined,
        });
        expect(item.secretKeyRef).toEqual({ name: expect.any(String), key: expect.any(String) });
        // A Secret the chart makes must hold the key; one it does not make is the user's (existingSecret).
        const secret = secrets.find((s) => s.metadata.name === item.secretKeyRef.name);
        if (secret) expect(Object.keys(secret.data ?? {})).toContain(item.secretKeyRef.key);
      }
    }
  });

  it('subscribes notification-service to payment-topic with a dead-letter topic', () => {
    const [subscription, ...others] = ofKind(rendering(), 'Subscription');
    expect(others).toHaveLength(0);
    expect(subscription!.apiVersion).toBe('dapr.io/v2alpha1');
    expect(subscription!.spec).toEqual({
      pubsubname: 'kafka-pubsub',
      topic: 'payment-topic',
      routes: { default: '/events/payment-confirmed' },
      deadLetterTopic: 'payment-topic-dlq',
    });
    expect(subscription!.scopes).toEqual(['notification-service']);
    // A dead-letter topic without inbound retries sends a message there at its first failure.
    const resiliency = ofKind(rendering(), 'Resiliency')[0]!;
    const inbound = resiliency.spec.targets.components['kafka-pubsub'].inbound;
    expect(resiliency.spec.policies.retries[inbound.retry].maxRetries).toBeGreaterThan(0);
  });

  it('denies every service invocation by default and lets only order-service POST /payments to payment-service', () => {
    const configurations = new Map(ofKind(rendering(), 'Configuration').map((c) => [c.metadata.name, c]));
    const configOf = (id: (typeof SERVICES)[number]): K8sObject => {
      const name = deploymentOf(rendering(), id).spec.template.metadata.annotations['dapr.io/config'];
      const found = configurations.get(name);
      if (!found) throw new Error(`${id}'s dapr.io/config names ${name}, which the chart does not render`);
      return found;
    };
    for (const id of SERVICES) expect(configOf(id).spec.accessControl.defaultAction).toBe('deny');

    const order = { appId: 'order-service', namespace: NAMESPACE };
    const allowed = (callee: (typeof SERVICES)[number], caller: Caller, verb: string, route: string) =>
      invocationAllowed(configOf(callee), caller, verb, route);

    expect(allowed('payment-service', order, 'POST', '/payments')).toBe(true);
    expect(allowed('payment-service', order, 'GET', '/payments')).toBe(false);
    expect(allowed('payment-service', order, 'GET', '/payments/p-1')).toBe(false);
    expect(allowed('payment-service', order, 'DELETE', '/payments')).toBe(false);
    // The relay's tick is the sidecar's own cron binding: no app may invoke it.
    expect(allowed('payment-service', order, 'POST', '/outbox-relay')).toBe(false);
    expect(allowed('payment-service', { appId: 'order-service', namespace: 'elsewhere' }, 'POST', '/payments')).toBe(false);
    expect(allowed('payment-service', { ...order, trustDomain: 'other' }, 'POST', '/payments')).toBe(false);
    for (const caller of ['notification-service', 'payment-service', 'some-other-app']) {
      expect(allowed('payment-service', { appId: caller, namespace: NAMESPACE }, 'POST', '/payments')).toBe(false);
    }
    // Nobody invokes order-service or notification-service through Dapr.
    for (const caller of SERVICES) {
      expect(allowed('order-service', { appId: caller, namespace: NAMESPACE }, 'POST', '/orders')).toBe(false);
      expect(allowed('notification-service', { appId: caller, namespace: NAMESPACE }, 'POST', '/events/payment-confirmed')).toBe(false);
    }
    // The exact policy, so a widening cannot slip in unnoticed.
    expect(configOf('payment-service').spec.accessControl.policies).toEqual([
      {
        appId: 'order-service',
        defaultAction: 'deny',
        trustDomain: 'public',
        namespace: NAMESPACE,
        operations: [{ name: '/payments', httpVerb: ['POST'], action: 'allow' }],
      },
    ]);
    // order-service: only the callers the values name (the production values: a back office).
    const orderCallers = set === 'production'
      ? [
          {
            appId: 'back-office',
            defaultAction: 'deny',
            trustDomain: 'public',
            namespace: 'backoffice',
            operations: [
              { name: '/orders', httpVerb: ['GET', 'POST'], action: 'allow' },
              { name: '/orders/*', httpVerb: ['GET'], action: 'allow' },
            ],
          },
        ]
      : undefined;
    expect(configOf('order-service').spec.accessControl.policies).toEqual(orderCallers);
    expect(configOf('notification-service').spec.accessControl.policies).toBeUndefined();
  });

  it("answers a body over the sidecar's limit with 413: every sidecar gets dapr.maxBodySize and runs the body-limit middleware", () => {
    for (const id of SERVICES) {
      const annotations = deploymentOf(rendering(), id).spec.template.metadata.annotations;
      expect(annotations['dapr.io/max-body-size']).toBe('4Mi');
      const config = named(rendering(), 'Configuration', annotations['dapr.io/config']);
      expect(config.spec.httpPipeline).toEqual({ handlers: [{ name: 'body-limit', type: 'middleware.http.bodylimit' }] });
    }
  });

  it('runs every sidecar on the daprd image dapr.sidecarImage names, and on the injector\'s default when it names none', () => {
    const chosen = render(VALUE_SETS.default, { 'dapr.sidecarImage': 'registry.example/orderflow/daprd:1.18.2-orderflow' });
    for (const id of SERVICES) {
      expect(deploymentOf(chosen, id).spec.template.metadata.annotations['dapr.io/sidecar-image']).toBe('registry.example/orderflow/daprd:1.18.2-orderflow');
      expect(deploymentOf(rendering(), id).spec.template.metadata.annotations).not.toHaveProperty('dapr.io/sidecar-image');
    }
  });
});

describe('the Dapr resources', () => {
  it('never write a credential given in values in clear text, anywhere in the rendered output', () => {
    for (const file of [path.join(FIXTURES, 'inline-credentials-values.yaml'), path.join(FIXTURES, 'kafka-mtls-values.yaml')]) {
      const credentials = credentialsIn(file);
      expect(credentials.length).toBeGreaterThan(3);
      const { text, objects } = render([file]);
      const leaks = credentials.filter((credential) => text.includes(credential));
      expect({ file: path.basename(file), leaks }).toEqual({ file: path.basename(file), leaks: [] });
      // ...and they are in the Secrets, base64-encoded, where the components and pods point.
      const secretValues = ofKind({ text, objects }, 'Secret').flatMap((s) =>
        Object.values(s.data ?? {}).map((v) => Buffer.from(String(v), 'base64').toString('utf8')),
      );
      for (const credential of credentials) {
        expect(secretValues.some((value) => value.includes(credential))).toBe(true);
      }
    }
  });

  it('lets smtp.requireTLS=false turn STARTTLS back to opportunistic, for a sink without TLS', () => {
    const email = named(render(VALUE_SETS.default, { 'smtp.requireTLS': 'false' }), 'Component', 'email');
    expect(componentMetadata(email).get('requireTLS')).toEqual({ name: 'requireTLS', value: 'false' });
  });

  it('authenticates to Kafka with the credentials of the configured kind only', () => {
    const names = (file?: string) => [...componentMetadata(named(render(file ? [file] : VALUE_SETS.default), 'Component', 'kafka-pubsub')).keys()];
    const password = names(path.join(FIXTURES, 'inline-credentials-values.yaml'));
    expect(password).toEqual(expect.arrayContaining(['saslUsername', 'saslPassword', 'saslMechanism', 'caCert']));
    expect(password).not.toContain('clientKey');
    const mtls = names(path.join(FIXTURES, 'kafka-mtls-values.yaml'));
    expect(mtls).toEqual(expect.arrayContaining(['clientCert', 'clientKey']));
    expect(mtls).not.toContain('saslPassword');
    const none = names();
    expect(none.filter((n) => /sasl|client|caCert/.test(n))).toEqual([]);
  });

  it('sends traces to the OpenTelemetry collector given in values, and exports none without one', () => {
    for (const config of ofKind(renderSet('production'), 'Configuration')) {
      expect(config.spec.tracing).toEqual({
        samplingRate: '0.1',
        otel: { endpointAddress: 'otel-collector.observability.svc:4317', protocol: 'grpc', isSecure: false },
      });
    }
    for (const config of ofKind(renderSet('default'), 'Configuration')) {
      expect(config.spec.tracing).toEqual({ samplingRate: '1' });
    }
  });

  it('lets the callers named in dapr.accessControl.orderServiceCallers use the order API of order-service, and nothing more', () => {
    const rendering = render(VALUE_SETS.default, {
      'dapr.accessControl.orderServiceCallers[0].appId': 'api-gateway',
      'dapr.accessControl.orderServiceCallers[0].namespace': 'gateway',
    });
    const config = named(rendering, 'Configuration', deploymentOf(rendering, 'order-service').spec.template.metadata.annotations['dapr.io/config']);
    const gateway = { appId: 'api-gateway', namespace: 'gateway' };
    expect(invocationAllowed(config, gateway, 'POST', '/orders')).toBe(true);
    expect(invocationAllowed(config, gateway, 'GET', '/orders/o-1')).toBe(true);
    expect(invocationAllowed(config, gateway, 'POST', '/payment-retry-sweep')).toBe(false);
    expect(invocationAllowed(config, { appId: 'api-gateway', namespace: NAMESPACE }, 'POST', '/orders')).toBe(false);
    const payment = named(rendering, 'Configuration', deploymentOf(rendering, 'payment-service').spec.template.metadata.annotations['dapr.io/config']);
    expect(invocationAllowed(payment, gateway, 'POST', '/payments')).toBe(false);
  });

  it('has each app load its own Configuration, holding no mtls block Dapr would ignore there', () => {
    const rendering = renderSet('default');
    const names = SERVICES.map((id) => deploymentOf(rendering, id).spec.template.metadata.annotations['dapr.io/config']);
    expect(new Set(names).size).toBe(3);
    // mTLS is the control plane's (Configuration daprsystem); templates/preflight.yaml checks it at install.
    for (const config of ofKind(rendering, 'Configuration')) expect(config.spec.mtls).toBeUndefined();
  });
});

describe('the Dapr resources, compared with the local ones the end-to-end tests run', () => {
  const chart = () => renderSet('default');

  it('apply the Resiliency policies of dapr/resiliency.yaml, as Dapr reads them', () => {
    const local = readRepoYaml('dapr/resiliency.yaml');
    const crd = daprCrds(chartTools().daprCrdDir).find((c) => c.spec.names.kind === 'Resiliency');
    const specSchema = crd.spec.versions.find((v: any) => v.name === 'v1alpha1').schema.openAPIV3Schema.properties.spec;
    const [resiliency] = ofKind(chart(), 'Resiliency');
    // Fields Dapr's Resiliency does not have are dropped on both sides, as the API server drops them.
    expect(pruneLikeApiServer(resiliency!.spec, specSchema)).toEqual(pruneLikeApiServer(local.spec, specSchema));
    expect(resiliency!.spec).toEqual(pruneLikeApiServer(resiliency!.spec, specSchema));
  });

  it('limit request bodies as dapr.yaml, components/body-limit.yaml and dapr/config.yaml do', () => {
    expect(named(chart(), 'Component', 'body-limit').spec).toEqual(readRepoYaml('components/body-limit.yaml').spec);
    const pipeline = readRepoYaml('dapr/config.yaml').spec.httpPipeline;
    for (const config of ofKind(chart(), 'Configuration')) expect(config.spec.httpPipeline).toEqual(pipeline);
    const annotation = deploymentOf(chart(), 'order-service').spec.template.metadata.annotations['dapr.io/max-body-size'];
    expect(annotation).toBe(readRepoYaml('dapr.yaml').common.maxBodySize);
  });

  it('subscribe and schedule exactly as components/ does', () => {
    const subscription = readRepoYaml('components/subscription-payment-topic.yaml');
    const rendered = named(chart(), 'Subscription', subscription.metadata.name);
    expect(rendered.spec).toEqual(subscription.spec);
    expect(rendered.scopes).toEqual(subscription.scopes);

    for (const file of ['components/payment-retry-sweep.yaml', 'components/email-dispatch.yaml', 'components/outbox-relay.yaml']) {
      const cron = readRepoYaml(file);
      const renderedCron = named(chart(), 'Component', cron.metadata.name);
      expect(renderedCron.spec).toEqual(cron.spec);
      expect(renderedCron.scopes).toEqual(cron.scopes);
    }
  });

  it('scope the topics as components/kafka-pubsub.yaml does (less the local example clients, which the chart does not deploy)', () => {
    const local = componentMetadata(readRepoYaml('components/kafka-pubsub.yaml'));
    const rendered = componentMetadata(named(chart(), 'Component', 'kafka-pubsub'));
    const withoutExample = (value: unknown) =>
      String(value)
        .split(';')
        .filter((entry) => !entry.startsWith('python-client=') && !entry.startsWith('ts-client='))
        .join(';');
    for (const name of ['publishingScopes', 'subscriptionScopes', 'protectedTopics', 'initialOffset']) {
      expect({ name, value: rendered.get(name)?.value }).toEqual({ name, value: withoutExample(local.get(name)?.value) });
    }
    expect(named(chart(), 'Component', 'email').scopes).toEqual(readRepoYaml('components/email-binding.yaml').scopes);
  });
});
