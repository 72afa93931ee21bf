// Orders placed on the installed chart through its public Service, as a
// customer's client (or an Ingress) reaches it: each one paid once, announced
// once on Kafka, e-mailed once; customers see only their own orders; the
// payment API answers only order-service's identity; an event nobody can
// process ends on the dead-letter topic.
import { randomUUID } from 'node:crypto';
import { orderBody } from '../../e2e/support/drill';
import { readWholeTopic } from '../../e2e/support/kafka';
import { emailsTo } from '../../e2e/support/maildev';
import { eventually, http, uniqueCustomer } from '../../e2e/support/stack';
import { asCustomer } from '../../e2e/support/tokens';
import { cluster, clusterSystem, kubectl, nodeInPod, withDiagnostics } from './support/cluster';

const ORDERS = 5;

describe('orders through the public Service of the installed chart', () => {
  it(`pays each of ${ORDERS} orders once, publishes one payment.confirmed each on payment-topic, and sends each customer one e-mail`, () =>
    withDiagnostics(async () => {
      const placed = await Promise.all(
        Array.from({ length: ORDERS }, async () => {
          const customer = uniqueCustomer();
          const answer = await http('POST', `${cluster.publicUrl}/orders`, orderBody(customer), {
            'idempotency-key': randomUUID(),
            ...asCustomer(customer.id),
          });
          expect([201, 202]).toContain(answer.status);
          return { customer, reference: answer.body.reference as string };
        }),
      );
      for (const { customer, reference } of placed) {
        await eventually(`${reference} PAID`, async () => {
          const orders = await clusterSystem.ordersOf(customer.id);
          return orders?.find((order) => order.reference === reference && order.status === 'PAID');
        }, 60_000);
        expect(await clusterSystem.paymentsFor(reference)).toHaveLength(1);
        const emails = await eventually(`the e-mail to ${customer.email}`, async () => {
          const found = await emailsTo(customer.email);
          return found.length > 0 ? found : undefined;
        }, 60_000);
        expect(emails).toHaveLength(1);
        expect(await clusterSystem.notificationsFor(reference)).toEqual([expect.objectContaining({ status: 'SENT' })]);
      }
      const events = await readWholeTopic('payment-topic');
      for (const { reference } of placed) {
        const ours = events.filter((message) => message.value?.data?.orderReference === reference);
        expect(ours).toHaveLength(1);
        expect(ours[0]!.value.type).toBe('payment.confirmed');
      }
      // A second e-mail would come late, if at all: look again after a while.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      for (const { customer } of placed) expect(await emailsTo(customer.email)).toHaveLength(1);
    }),
    5 * 60_000,
  );

  it('answers 401 without a token, and shows a customer only their own orders', () =>
    withDiagnostics(async () => {
      const customer = uniqueCustomer();
      const other = uniqueCustomer();
      expect((await http('POST', `${cluster.publicUrl}/orders`, orderBody(customer), { 'idempotency-key': randomUUID() })).status).toBe(401);
      const placed = await http('POST', `${cluster.publicUrl}/orders`, orderBody(customer), { 'idempotency-key': randomUUID(), ...asCustomer(customer.id) });
      expect([201, 202]).toContain(placed.status);
      const mine = await http('GET', `${cluster.publicUrl}/orders/${placed.body.reference}`, undefined, asCustomer(customer.id));
      expect(mine.status).toBe(200);
      const theirs = await http('GET', `${cluster.publicUrl}/orders/${placed.body.reference}`, undefined, asCustomer(other.id));
      expect(theirs.status).toBe(404);
      expect((await http('GET', `${cluster.publicUrl}/orders`, undefined, asCustomer(other.id))).body.items).toEqual([]);
    }),
  );
});

const INTRUDER_NAMESPACE = 'orderflow-intruder';

describe("payment-service's access policy on the cluster (Dapr accessControl over mTLS identities)", () => {
  afterAll(() => kubectl(['delete', 'namespace', INTRUDER_NAMESPACE, '--ignore-not-found', '--wait=false']));

  it("refuses an app with another app-id, in its own sidecar-injected pod, with 403 (order-service's calls pass the same policy: its orders are paid)", () =>
    withDiagnostics(async () => {
      const image = cluster.appImages['order-service'];
      await kubectl(['apply', '-f', '-'], `apiVersion: v1
kind: Namespace
metadata: {name: ${INTRUDER_NAMESPACE}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: intruder, namespace: ${INTRUDER_NAMESPACE}}
spec:
  replicas: 1
  selector: {matchLabels: {app: intruder}}
  template:
    metadata:
      labels: {app: intruder}
      annotations: {dapr.io/enabled: "true", dapr.io/app-id: intruder, dapr.io/sidecar-image: "${cluster.sidecarImage}"}
    spec:
      containers:
      - name: intruder
        image: ${image}
        imagePullPolicy: Never
        command: ["node", "-e", "setInterval(() => {}, 1e9)"]
`);
      await kubectl(['-n', INTRUDER_NAMESPACE, 'rollout', 'status', 'deployment/intruder', '--timeout=180s']);
      const call = (target: string) =>
        `fetch('http://127.0.0.1:3500/v1.0/invoke/${target}/method/payments?orderReference=ORD-X').then(async (r) => console.log(r.status, (await r.text()).slice(0, 300)))`;
      const paymentAppId = `payment-service.${cluster.namespace}`;
      // Until the operator has made payment-service's -dapr Service the call fails with "no such host"; then the policy answers.
      const answer = await eventually('an answer of the access policy', async () => {
        const out = (await nodeInPod(INTRUDER_NAMESPACE, 'intruder', call(paymentAppId))).trim();
        return /^(403|200|401)/.test(out) ? out : undefined;
      }, 90_000);
      expect(answer).toMatch(/^403/);
    }),
    5 * 60_000,
  );

  it('moves an event notification-service can never process to payment-topic-dlq, unchanged', () =>
    withDiagnostics(async () => {
      const id = randomUUID();
      const orderReference = `ORD-CLUSTERDLQ${Date.now()}`;
      const event = { specversion: '1.0', id, type: 'payment.confirmed', source: 'cluster-test', datacontenttype: 'application/json', data: { orderReference, amount: 12.5, customer: { id: 'x' } } };
      const publish = `fetch('http://127.0.0.1:3500/v1.0/publish/kafka-pubsub/payment-topic?metadata.partitionKey=${orderReference}', {method: 'POST', headers: {'content-type': 'application/cloudevents+json', 'dapr-api-token': process.env.DAPR_API_TOKEN}, body: ${JSON.stringify(JSON.stringify(event))}}).then((r) => console.log(r.status))`;
      expect((await nodeInPod(cluster.namespace, `${cluster.release}-payment-service`, publish)).trim()).toBe('204');
      const letter = await eventually('the dead letter on payment-topic-dlq', async () =>
        (await readWholeTopic('payment-topic-dlq')).find((message) => message.value?.id === id), 90_000);
      expect(letter.value).toEqual(expect.objectContaining({ id, data: event.data }));
    }),
    5 * 60_000,
  );
});
