// Locked down: apps and sidecars authenticate each other with API tokens, topics
// are scoped, and hostile input is refused before it reaches anything.
import { appUrl, eventually, http, invoke, sidecarUrl, uniqueCustomer, type ServiceName } from './support/stack';
import { emailsTo } from './support/maildev';
import { asCustomer } from './support/tokens';

const SERVICES: ServiceName[] = ['order-service', 'payment-service', 'notification-service'];

describe('API tokens', () => {
  it.each(SERVICES)('the sidecar of %s refuses API calls without its dapr-api-token, but answers its health probe', async (service) => {
    const refused = await http('GET', `${sidecarUrl(service)}/v1.0/metadata`, undefined, { 'dapr-api-token': '' });
    expect(refused.status).toBe(401);
    const wrong = await http('GET', `${sidecarUrl(service)}/v1.0/metadata`, undefined, { 'dapr-api-token': 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect((await http('GET', `${sidecarUrl(service)}/v1.0/healthz`)).status).toBe(204);
  });

  it.each([
    ['order-service', 'GET', 'orders'],
    ['payment-service', 'GET', 'payments?orderReference=ORD-X'],
    ['notification-service', 'GET', 'notifications?orderReference=ORD-X'],
  ] as const)('%s refuses a caller that is not its sidecar (no APP_API_TOKEN), but answers health probes', async (service, method, path) => {
    const direct = await http(method, `${appUrl(service)}/${path}`);
    expect(direct.status).toBe(401);
    expect(direct.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await http('GET', `${appUrl(service)}/health/live`)).status).toBe(200);
    expect((await http('GET', `${appUrl(service)}/health/ready`)).status).toBe(200);
  });

  it('a direct POST /payments without the token records nothing', async () => {
    const reference = `ORD-DIRECT${Date.now()}`;
    const customer = uniqueCustomer();
    const direct = await http('POST', `${appUrl('payment-service')}/payments`, {
      orderReference: reference,
      amount: '1.00',
      currency: 'EUR',
      paymentMethod: 'VISA',
      customer,
    });
    expect(direct.status).toBe(401);
    const recorded = await invoke('payment-service', 'payment-service', 'GET', `payments?orderReference=${reference}`);
    expect(recorded.body.items).toEqual([]);
  });
});

describe('hostile input', () => {
  it('sends a customer named <script>alert(1)</script> a harmless e-mail', async () => {
    const customer = uniqueCustomer({ firstName: '<script>alert(1)</script>', lastName: '<img src=x onerror=alert(2)>' });
    const placed = await invoke(
      'order-service',
      'order-service',
      'POST',
      'orders',
      { customer, items: [{ productId: 'p-1', name: '<b>bold</b> pen', quantity: 1, unitPrice: '2.50' }], currency: 'EUR', paymentMethod: 'VISA' },
      asCustomer(customer.id),
    );
    expect(placed.status).toBe(201);
    const [email] = await eventually('the e-mail', async () => {
      const found = await emailsTo(customer.email);
      return found.length ? found : undefined;
    });
    expect(email!.html).not.toContain('<script>');
    expect(email!.html).not.toContain('<img');
    expect(email!.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('refuses line breaks in e-mail fields (header injection) with 400 naming them, and records nothing', async () => {
    const customer = uniqueCustomer({ lastName: 'Lovelace\r\nBcc: victim@example.com' });
    const response = await invoke(
      'order-service',
      'order-service',
      'POST',
      'orders',
      {
        customer: { ...customer, email: `${customer.email}\r\nBcc: victim@example.com` },
        items: [{ productId: 'p-1', name: 'Pen', quantity: 1, unitPrice: '2.50' }],
        currency: 'EUR',
        paymentMethod: 'VISA',
      },
      asCustomer(customer.id),
    );
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['customer.email', 'customer.lastName']);
    const listed = await invoke('order-service', 'order-service', 'GET', 'orders', undefined, asCustomer(customer.id));
    expect(listed.body.items).toEqual([]);
  });

  it('answers with security headers (helmet) through the sidecar', async () => {
    const response = await invoke('order-service', 'order-service', 'GET', 'orders?limit=1', undefined, asCustomer(uniqueCustomer().id));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('treats SQL in a query parameter as data: it is refused by validation, and the table is still there', async () => {
    const me = asCustomer(uniqueCustomer().id);
    const response = await invoke('order-service', 'order-service', 'GET', `orders?customerId=${encodeURIComponent("x' OR '1'='1")}`, undefined, me);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('customerId');
    expect((await invoke('order-service', 'order-service', 'GET', 'orders?limit=1', undefined, me)).status).toBe(200);
  });
});

describe('secrets', () => {
  it('the SMTP server refuses mail without a login, so the binding delivers only with the credentials from the secret store', async () => {
    const smtpPort = Number(process.env.ORDERFLOW_SMTP_PORT ?? 1025);
    const replies = await smtpConversation(smtpPort, ['EHLO e2e.local', 'MAIL FROM:<intruder@example.com>', 'QUIT']);
    // replies: greeting, EHLO, MAIL FROM, QUIT
    expect(replies[2]).toMatch(/^530/);
  });
});

/** Speaks plain SMTP: sends each line after the server's previous answer; returns every answer. */
async function smtpConversation(port: number, lines: string[]): Promise<string[]> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const replies: string[] = [];
    const toSend = [...lines];
    socket.setEncoding('utf8');
    socket.setTimeout(5_000, () => socket.destroy(new Error('SMTP conversation timed out')));
    socket.on('data', (chunk: string) => {
      replies.push(chunk);
      const next = toSend.shift();
      if (next === undefined) socket.end();
      else socket.write(`${next}\r\n`);
    });
    socket.on('close', () => resolve(replies));
    socket.on('error', reject);
  });
}
