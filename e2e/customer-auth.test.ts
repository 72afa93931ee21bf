// Customers on the running system: real tokens of this run's development
// issuer (tools/devstack/pieces/dev-issuer.mjs), checked by order-service against the
// issuer's JWKS, both ways a customer reaches it: through order-service's
// sidecar (Dapr service invocation, the app channel) and through its public
// listener (what an Ingress reaches). The trusted-service role is proven by
// the Python client's own sidecar (e2e/polyglot.test.ts).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { http as request, invoke, publicUrl, uniqueCustomer, type JsonResponse } from './support/stack';
import { asCustomer, customerToken, forgedTokens } from './support/tokens';

type Customer = ReturnType<typeof uniqueCustomer>;
type Way = 'the sidecar' | 'the public listener';

const orderFor = (customer: Customer) => ({
  customer,
  items: [{ productId: 'auth-1', name: 'Key ring', quantity: 1, unitPrice: '4.00' }],
  currency: 'EUR',
  paymentMethod: 'VISA',
});

/** One call to order-service's order routes, the way a customer reaches them. */
function call(way: Way, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  return way === 'the sidecar'
    ? invoke('order-service', 'order-service', method, path, body, headers)
    : request(method, `${publicUrl()}/${path}`, body, headers);
}

const ownOrders = async (way: Way, customer: Customer) =>
  ((await call(way, 'GET', 'orders?limit=100', undefined, asCustomer(customer.id))).body.items as { reference: string; customer: { id: string } }[]);

describe.each<Way>(['the sidecar', 'the public listener'])('a customer through %s', (way) => {
  it('with a valid token, places an order for themselves (201) and reads it back', async () => {
    const customer = uniqueCustomer();
    const placed = await call(way, 'POST', 'orders', orderFor(customer), asCustomer(customer.id));
    expect(placed.status).toBe(201);
    expect(placed.body.customer.id).toBe(customer.id);
    const read = await call(way, 'GET', `orders/${placed.body.reference}`, undefined, asCustomer(customer.id));
    expect(read.status).toBe(200);
    expect(read.body.reference).toBe(placed.body.reference);
  });

  it.each(Object.keys(forgedTokens) as (keyof typeof forgedTokens)[])(
    'with a token that is %s, is refused with 401 and an RFC 6750 challenge, and nothing is saved',
    async (kind) => {
      const customer = uniqueCustomer();
      const refused = await call(way, 'POST', 'orders', orderFor(customer), { authorization: `Bearer ${forgedTokens[kind](customer.id)}` });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="orderflow", error="invalid_token", error_description="[^"]+"$/);
      expect(await ownOrders(way, customer)).toEqual([]);
    },
  );

  it('without a token, is refused with 401 and the plain challenge', async () => {
    const customer = uniqueCustomer();
    for (const [method, path, body] of [['POST', 'orders', orderFor(customer)], ['GET', 'orders'], ['GET', 'orders/ORD-0000000000000000']] as const) {
      const refused = await call(way, method, path, body);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="orderflow"');
    }
    expect(await ownOrders(way, customer)).toEqual([]);
  });

  it("gets 404 for another customer's order, exactly as for one that does not exist", async () => {
    const owner = uniqueCustomer();
    const snoop = uniqueCustomer();
    const placed = await call(way, 'POST', 'orders', orderFor(owner), asCustomer(owner.id));
    expect(placed.status).toBe(201);
    const foreign = await call(way, 'GET', `orders/${placed.body.reference}`, undefined, asCustomer(snoop.id));
    const unknown = await call(way, 'GET', 'orders/ORD-0000000000000000', undefined, asCustomer(snoop.id));
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.body.type).toBe(unknown.body.type);
  });

  it('placing an order whose body names another customer is 403 problem+json, and the other customer gets no order', async () => {
    const attacker = uniqueCustomer();
    const victim = uniqueCustomer();
    const refused = await call(way, 'POST', 'orders', orderFor(victim), asCustomer(attacker.id));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await ownOrders(way, victim)).toEqual([]);
    expect(await ownOrders(way, attacker)).toEqual([]);
  });

  it("lists only their own orders, without naming themselves; asking for another customer's is 403", async () => {
    const me = uniqueCustomer();
    const other = uniqueCustomer();
    expect((await call(way, 'POST', 'orders', orderFor(me), asCustomer(me.id))).status).toBe(201);
    expect((await call(way, 'POST', 'orders', orderFor(other), asCustomer(other.id))).status).toBe(201);
    const mine = await ownOrders(way, me);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.customer.id).toBe(me.id);
    const theirs = await call(way, 'GET', `orders?customerId=${other.id}`, undefined, asCustomer(me.id));
    expect(theirs.status).toBe(403);
  });
});

describe('the public listener', () => {
  it("believes no Dapr header: dapr-caller-app-id naming a trusted service gets no service role (401)", async () => {
    const customer = uniqueCustomer();
    const posing = await request('POST', `${publicUrl()}/orders`, orderFor(customer), { 'dapr-caller-app-id': 'python-client' });
    expect(posing.status).toBe(401);
  });

  it.each([
    ['POST', 'payment-retry-sweep'],
    ['GET', 'metrics'],
    ['GET', 'openapi.json'],
  ])('does not serve %s /%s at all (404): only the order routes and the probes are there', async (method, path) => {
    expect((await request(method, `${publicUrl()}/${path}`)).status).toBe(404);
  });
});

describe('rate limits', () => {
  it("one customer cannot exhaust another's quota: once A is held back (429), B still places orders", async () => {
    const a = uniqueCustomer();
    const b = uniqueCustomer();
    // Repeats of one request (one Idempotency-Key) create one order but each takes from A's quota (60 a minute).
    const key = randomUUID();
    let limited: JsonResponse | undefined;
    for (let attempt = 0; attempt < 80 && !limited; attempt += 1) {
      const answer = await invoke('order-service', 'order-service', 'POST', 'orders', orderFor(a), { ...asCustomer(a.id), 'idempotency-key': key });
      if (answer.status === 429) limited = answer;
      else expect(answer.status).toBe(201);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    // A's token cannot spend B's quota (403 before it counts), and B is served.
    expect((await invoke('order-service', 'order-service', 'POST', 'orders', orderFor(b), asCustomer(a.id))).status).toBe(403);
    expect((await invoke('order-service', 'order-service', 'POST', 'orders', orderFor(b), asCustomer(b.id))).status).toBe(201);
  });

  it('holds back one client address on the public listener (bad tokens count too), whatever it writes in X-Forwarded-For, and no other address', async () => {
    // A loopback address of this test's own (the public listener trusts no proxy locally: the socket's peer is the client).
    const address = `127.0.0.${2 + Math.floor(Math.random() * 250)}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
        const url = new URL(`${publicUrl()}/orders`);
        const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, localAddress: address, agent, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }));
        });
        req.on('error', reject);
      });
    const customer = uniqueCustomer();
    const good = { authorization: `Bearer ${customerToken(customer.id)}` };
    try {
      expect((await get(good)).status).toBe(200);
      let held: { status: number; retryAfter: string | undefined } | undefined;
      let sent = 0;
      // The default quota is 600 a minute (REQUESTS_PER_CLIENT_ADDRESS_PER_MINUTE), refilling at 10/s.
      while (!held && sent < 1_000) {
        const batch = await Promise.all(
          Array.from({ length: 20 }, (_, i) => get({ authorization: 'Bearer not-a-token', 'x-forwarded-for': `198.51.100.${(sent + i) % 250}` })),
        );
        sent += batch.length;
        expect(batch.every((answer) => answer.status === 401 || answer.status === 429)).toBe(true);
        held = batch.find((answer) => answer.status === 429);
      }
      expect(held).toBeDefined();
      expect(Number(held!.retryAfter)).toBeGreaterThan(0);
      expect(sent).toBeGreaterThan(500);
      // Even with a valid token, this address waits; the same customer from another address is served.
      // The quota refills at 10 a second, so on a busy machine a token or two may be back by
      // now: of a burst of 30, some are still held.
      const burst = await Promise.all(Array.from({ length: 30 }, () => get(good)));
      expect(burst.filter((answer) => answer.status === 429).length).toBeGreaterThan(0);
      expect(burst.every((answer) => answer.status === 200 || answer.status === 429)).toBe(true);
      expect((await request('GET', `${publicUrl()}/orders`, undefined, good)).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
