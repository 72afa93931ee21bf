// Observable: one trace id follows an order through every service (Dapr
// propagates W3C trace context; the apps log it on every line of a request or
// delivery), and every app serves Prometheus metrics.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { emailsTo } from './support/maildev';
import { appUrl, eventually, http, sidecarUrl, uniqueCustomer, type ServiceName } from './support/stack';
import { asCustomer } from './support/tokens';

const LOG_DIR = path.resolve(__dirname, '../.local/logs');

/** The JSON log lines a service wrote that carry `traceId`. */
function linesWithTrace(service: ServiceName, traceId: string): Record<string, unknown>[] {
  const text = fs.readFileSync(path.join(LOG_DIR, `${service}.log`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(traceId))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('tracing', () => {
  it('keeps one trace id from the order through the payment and the event to the e-mail', async () => {
    const traceId = randomBytes(16).toString('hex');
    const customer = uniqueCustomer();
    const placed = await http(
      'POST',
      `${sidecarUrl('order-service')}/v1.0/invoke/order-service/method/orders`,
      {
        customer,
        items: [{ productId: 'p-1', name: 'Trace', quantity: 1, unitPrice: '3.00' }],
        currency: 'EUR',
        paymentMethod: 'VISA',
      },
      { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, ...asCustomer(customer.id) },
    );
    expect(placed.status).toBe(201);
    await eventually('the e-mail', async () => ((await emailsTo(customer.email)).length ? true : undefined));

    const order = await eventually('order-service logs with the trace id', async () => {
      const lines = linesWithTrace('order-service', traceId);
      return lines.some((l) => l.path === '/orders') ? lines : undefined;
    });
    expect(order.find((l) => l.path === '/orders')).toMatchObject({ method: 'POST', status: 201 });
    const payment = await eventually('payment-service logs with the trace id', async () => {
      const lines = linesWithTrace('payment-service', traceId);
      return lines.length ? lines : undefined;
    });
    expect(payment.find((l) => l.path === '/payments')).toMatchObject({ method: 'POST', status: 201 });
    // The delivery is recorded under the trace, and the e-mail sent from the table later carries it on.
    const notification = await eventually('notification-service logs with the trace id', async () => {
      const lines = linesWithTrace('notification-service', traceId);
      return lines.some((l) => l.msg === 'e-mail sent') ? lines : undefined;
    });
    expect(notification.find((l) => l.verdict === 'SUCCESS')).toMatchObject({ outcome: 'recorded' });

    // The sidecars exported the same trace to Zipkin: spans from all three services.
    const zipkin = process.env.ORDERFLOW_ZIPKIN_URL ?? 'http://127.0.0.1:9411';
    const services = await eventually(
      'the trace in Zipkin with spans of all three sidecars',
      async () => {
        const trace = await http('GET', `${zipkin}/api/v2/trace/${traceId}`);
        if (trace.status !== 200) return undefined;
        const names = new Set((trace.body as { localEndpoint?: { serviceName?: string } }[]).map((span) => span.localEndpoint?.serviceName));
        return ['order-service', 'payment-service', 'notification-service'].every((name) => names.has(name)) ? names : undefined;
      },
      30_000,
    );
    expect([...services]).toEqual(expect.arrayContaining(['order-service', 'payment-service', 'notification-service']));
  });
});

describe('metrics', () => {
  it.each([
    ['order-service', 'orderflow_payment_pending_backlog'],
    ['payment-service', 'orderflow_outbox_lag_seconds'],
    ['notification-service', 'orderflow_emails_total'],
  ] as const)('%s serves Prometheus metrics, %s among them', async (service, metric) => {
    const response = await http('GET', `${appUrl(service)}/metrics`);
    expect(response.status).toBe(200);
    expect(String(response.body)).toContain(metric);
    expect(String(response.body)).toContain('http_server_request_duration_seconds_bucket');
  });

  it.each(['order-service', 'payment-service', 'notification-service'] as const)(
    "%s's sidecar serves Dapr's own metrics on its own port",
    async (service) => {
      const ports = JSON.parse(process.env.ORDERFLOW_SERVICE_PORTS ?? '{}') as Record<string, { metricsPort: number }>;
      const response = await http('GET', `http://127.0.0.1:${ports[service]!.metricsPort}/metrics`);
      expect(response.status).toBe(200);
      expect(String(response.body)).toContain('dapr_');
    },
  );
});
