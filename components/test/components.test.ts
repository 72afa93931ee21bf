// The Dapr resources in components/ and dapr/ as the sidecars load them.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DISPATCH_ROUTE } from '../../apps/notification-service/src/http/dispatch-routes';
import { SWEEP_ROUTE } from '../../apps/order-service/src/http/sweep-routes';
import { RELAY_ROUTE } from '../../apps/payment-service/src/http/relay-routes';

interface Resource {
  kind: string;
  metadata: { name: string };
  spec: { type?: string; metadata?: { name: string; value?: unknown; secretKeyRef?: unknown; envRef?: string }[] };
  scopes?: string[];
}

const ROOT = path.resolve(__dirname, '../..');
const resources: Resource[] = ['components', 'dapr'].flatMap((folder) =>
  fs
    .readdirSync(path.join(ROOT, folder))
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => YAML.parse(fs.readFileSync(path.join(ROOT, folder, file), 'utf8')) as Resource),
);
const components = resources.filter((r) => r.kind === 'Component');
const byName = (name: string) => components.find((c) => c.metadata.name === name)!;
const metadataValue = (component: Resource, name: string) => component.spec.metadata?.find((m) => m.name === name)?.value;

describe('the Dapr components', () => {
  it('carry no credential in clear: passwords, users, tokens and keys come from a secret store', () => {
    for (const component of components) {
      for (const item of component.spec.metadata ?? []) {
        if (/password|user|token|secret|key$/i.test(item.name) && item.name !== 'nestedSeparator') {
          expect({ component: component.metadata.name, item: item.name, inClear: item.value !== undefined }).toEqual({
            component: component.metadata.name,
            item: item.name,
            inClear: false,
          });
        }
      }
    }
  });

  it('let only payment-service publish to payment-topic, and only notification-service (and the example clients) subscribe', () => {
    const kafka = byName('kafka-pubsub');
    expect(metadataValue(kafka, 'publishingScopes')).toBe(
      'payment-service=payment-topic;notification-service=payment-topic-dlq;order-service=',
    );
    expect(metadataValue(kafka, 'subscriptionScopes')).toBe(
      'notification-service=payment-topic;python-client=payment-topic;ts-client=payment-topic;order-service=;payment-service=',
    );
    // Without protection, an app id named in no scope could use every topic.
    expect(metadataValue(kafka, 'protectedTopics')).toBe('payment-topic,payment-topic-dlq');
  });

  it('give the SMTP binding and the secrets only to notification-service, the retry schedule only to order-service, and the relay schedule only to payment-service', () => {
    expect(byName('email').scopes).toEqual(['notification-service']);
    expect(byName('local-secrets').scopes).toEqual(['notification-service']);
    expect(byName('payment-retry-sweep').scopes).toEqual(['order-service']);
    expect(byName('email-dispatch').scopes).toEqual(['notification-service']);
    expect(byName('outbox-relay').scopes).toEqual(['payment-service']);
  });

  it('drive each service\'s periodic work by one cron binding, scoped to it, that POSTs the route of the same name', () => {
    const crons = components.filter((c) => c.spec.type === 'bindings.cron');
    expect(Object.fromEntries(crons.map((c) => [c.metadata.name, { route: `/${c.metadata.name}`, scopes: c.scopes }]))).toEqual({
      'payment-retry-sweep': { route: SWEEP_ROUTE, scopes: ['order-service'] },
      'email-dispatch': { route: DISPATCH_ROUTE, scopes: ['notification-service'] },
      'outbox-relay': { route: RELAY_ROUTE, scopes: ['payment-service'] },
    });
    for (const cron of crons) expect(metadataValue(cron, 'direction')).toBe('input');
    // The relay's in-process poll came every second: an event left behind waits no longer than it did.
    expect(metadataValue(byName('outbox-relay'), 'schedule')).toBe('@every 1s');
  });

  it('bound every retry policy (Dapr retries forever by default)', () => {
    const resiliency = resources.find((r) => r.kind === 'Resiliency') as unknown as {
      spec: { policies: { retries: Record<string, { maxRetries?: number }> } };
    };
    for (const [name, policy] of Object.entries(resiliency.spec.policies.retries)) {
      expect({ name, maxRetries: policy.maxRetries }).toEqual({ name, maxRetries: expect.any(Number) });
      expect(policy.maxRetries).toBeGreaterThanOrEqual(0);
    }
  });

  it('never retry an e-mail in the sidecar, and let a send run past the app’s send window and the server’s 10-minute final reply', () => {
    const resiliency = resources.find((r) => r.kind === 'Resiliency') as unknown as {
      spec: { policies: { timeouts: Record<string, string> }; targets: { components: Record<string, { outbound?: { retry?: string; timeout?: string } }> } };
    };
    const email = resiliency.spec.targets.components.email!.outbound!;
    expect(email.retry).toBeUndefined();
    const timeout = resiliency.spec.policies.timeouts[email.timeout!]!;
    const minutes = Number(/^(\d+)m$/.exec(timeout)?.[1]);
    // EMAIL_SEND_WINDOW_MS (3 min) + RFC 5321's 10 min for the reply to the final ".".
    expect(minutes).toBeGreaterThanOrEqual(13);
  });
});
