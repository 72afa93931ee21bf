// Who may call the order routes, on order-service's two listeners: customers
// with a bearer token from the issuer (real JWKS over HTTP, real jose checks),
// trusted services named by their Dapr identity (app channel only), nobody else.
// e2e/customer-auth.test.ts proves the same through the real sidecar.
import request from 'supertest';
import type express from 'express';
import { jwtCustomerTokenVerifier } from '../../src/auth/customer-token-verifier';
import { migrations } from '../../src/data/migrations';
import { INSECURE_CUSTOMER_HEADER } from '../../src/http/caller';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/test-database';
import { startStubSidecar, type StubSidecar } from '../../../../test-support/stub-sidecar';
import { jwtFrom, jwtParts, startTestIssuer, type TestIssuer } from '../support/test-issuer';
import { asCustomer, asService, buildTestOrderApp, buildTestOrderApps, TEST_APP_TOKEN, viaSidecar } from './order-test-app';

const customerA = { id: 'cust-a', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
const customerB = { id: 'cust-b', firstName: 'Bob', lastName: 'Babbage', email: 'bob@example.com' };
const orderFor = (customer: typeof customerA) => ({
  customer,
  items: [{ productId: 'book-1', name: 'Notes', quantity: 1, unitPrice: '10.00' }],
  currency: 'EUR',
  paymentMethod: 'VISA',
});

const confirming = (req: { body: unknown }) => {
  const body = req.body as { orderReference: string; amount: string; currency: string; paymentMethod: string };
  const { orderReference, amount, currency, paymentMethod } = body;
  const id = '0b0d2f5a-8f5c-4c3e-9d1e-7b1f0c2a9e11';
  return { status: 201, body: { id, orderReference, amount, currency, paymentMethod, status: 'CONFIRMED', createdAt: new Date().toISOString() } };
};

let database: TestDatabase;
let sidecar: StubSidecar;
let issuer: TestIssuer;
let app: express.Express;
let publicApp: express.Express;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  database = await createTestDatabase('order-service', migrations);
  sidecar = await startStubSidecar(confirming);
  issuer = await startTestIssuer();
  const apps = buildTestOrderApps(database.db, sidecar.port, { authentication: issuer.authentication });
  app = apps.app;
  publicApp = apps.publicApp!;
  tokenA = await issuer.tokenFor(customerA.id);
  tokenB = await issuer.tokenFor(customerB.id);
});

afterAll(async () => {
  await sidecar.close();
  await issuer.close();
  await database.drop();
});

const ordersOf = async (customerId: string) =>
  Number((await database.db('orders').where({ customer_id: customerId }).count<{ c: string }[]>('* as c'))[0]!.c);

describe('a customer with a valid token', () => {
  it('places an order for themselves: 201, saved under the customer the token names', async () => {
    const placed = await asCustomer(app, tokenA).post('/orders').send(orderFor(customerA));
    expect(placed.status).toBe(201);
    expect(placed.body.customer.id).toBe(customerA.id);
  });

  it('when the body names another customer, then it answers 403 problem+json and saves nothing', async () => {
    const before = await ordersOf(customerB.id);
    const response = await asCustomer(app, tokenA).post('/orders').send(orderFor(customerB));
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.type).toBe('https://orderflow.dev/problems/forbidden');
    expect(await ordersOf(customerB.id)).toBe(before);
    expect(sidecar.requests.filter((call) => (call.body as { customer?: { id: string } }).customer?.id === customerB.id)).toHaveLength(0);
  });

  it("reads their own order, and another customer's order is 404 exactly like one that does not exist", async () => {
    const own = await asCustomer(app, tokenA).post('/orders').send(orderFor(customerA));
    const theirs = await asCustomer(app, tokenB).post('/orders').send(orderFor(customerB));
    expect((await asCustomer(app, tokenA).get(`/orders/${own.body.reference}`)).status).toBe(200);

    const foreign = await asCustomer(app, tokenA).get(`/orders/${theirs.body.reference}`);
    const unknown = await asCustomer(app, tokenA).get('/orders/ORD-0000000000000000');
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect({ ...foreign.body, detail: undefined, instance: undefined }).toEqual({ ...unknown.body, detail: undefined, instance: undefined });
  });

  it('lists only their own orders without naming themselves; naming another customer is 403', async () => {
    await asCustomer(app, tokenB).post('/orders').send(orderFor(customerB));
    const listed = await asCustomer(app, tokenA).get('/orders').query({ limit: 100 });
    expect(listed.status).toBe(200);
    expect(listed.body.items.length).toBeGreaterThan(0);
    expect(new Set(listed.body.items.map((order: { customer: { id: string } }) => order.customer.id))).toEqual(new Set([customerA.id]));

    expect((await asCustomer(app, tokenA).get('/orders').query({ customerId: customerA.id })).status).toBe(200);
    const other = await asCustomer(app, tokenA).get('/orders').query({ customerId: customerB.id });
    expect(other.status).toBe(403);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('keeps its customer id in another claim when the app is told so (AUTH_CUSTOMER_CLAIM)', async () => {
    const verifier = jwtCustomerTokenVerifier({
      issuer: issuer.issuer,
      audience: 'orderflow-api',
      jwksUri: issuer.jwksUri,
      algorithms: ['ES256'],
      clockToleranceSeconds: 5,
      customerClaim: 'customer_id',
      jwksCacheMaxAgeMs: 600_000,
      jwksCooldownMs: 30_000,
    });
    const token = await issuer.tokenFor('user-123', { claims: { customer_id: customerA.id } });
    expect(await verifier.customerIdOf(token)).toBe(customerA.id);
  });
});

describe('a token that proves nothing', () => {
  const refused: Array<[string, () => Promise<string>, RegExp]> = [
    ['expired (beyond the clock tolerance)', () => issuer.tokenFor(customerA.id, { expiresIn: -60 }), /expired/],
    ['for another audience', () => issuer.tokenFor(customerA.id, { audience: 'another-api' }), /aud claim/],
    ['from another issuer', () => issuer.tokenFor(customerA.id, { issuer: 'https://evil.example.com' }), /iss claim/],
    ['signed by a key the issuer does not publish', () => issuer.tokenFromAnotherKey(customerA.id), /signature|key of the issuer/],
    [
      'unsigned (alg: none)',
      async () => jwtFrom({ ...jwtParts(await issuer.tokenFor(customerA.id)), header: { alg: 'none', typ: 'JWT' }, signature: '' }),
      /algorithm/,
    ],
    [
      'tampered with (another customer, the signature kept)',
      async () => {
        const parts = jwtParts(await issuer.tokenFor(customerB.id));
        return jwtFrom({ ...parts, payload: { ...parts.payload, sub: customerA.id } });
      },
      /signature/,
    ],
    ['without a customer id', () => issuer.tokenFor(customerA.id, { noSubject: true }), /sub claim/],
    ['with a subject that is not a customer id', () => issuer.tokenFor('auth0|not allowed'), /sub claim/],
    ['not a JWT at all', async () => 'not-a-jwt', /malformed/],
  ];

  it.each(refused)('when the token is %s, then POST /orders answers 401 with an RFC 6750 challenge and saves nothing', async (_what, token, description) => {
    const before = await ordersOf(customerA.id);
    const response = await asCustomer(app, await token()).post('/orders').send(orderFor(customerA));
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="orderflow", error="invalid_token", error_description="[^"]+"$/);
    expect(response.headers['www-authenticate']).toMatch(description);
    expect(await ordersOf(customerA.id)).toBe(before);
  });

  it('when no token is sent, then every order route answers 401 with a challenge that names no error (RFC 6750 §3.1)', async () => {
    for (const call of [viaSidecar(app).post('/orders').send(orderFor(customerA)), viaSidecar(app).get('/orders'), viaSidecar(app).get('/orders/ORD-0000000000000000')]) {
      const response = await call;
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="orderflow"');
    }
  });

  it('when the Authorization header is another scheme, then it answers 401 with the plain challenge', async () => {
    const response = await viaSidecar(app).get('/orders').set('authorization', 'Basic Y3VzdC1hOnNlY3JldA==');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="orderflow"');
  });

  it("fetches the issuer's keys once for many tokens (cached), not once per request", async () => {
    const fresh = await startTestIssuer();
    const cached = buildTestOrderApp(database.db, sidecar.port, { authentication: fresh.authentication });
    for (let i = 0; i < 5; i += 1) {
      expect((await asCustomer(cached, await fresh.tokenFor(customerA.id)).get('/orders')).status).toBe(200);
    }
    expect(fresh.jwksFetches()).toBe(1);
    await fresh.close();
  });

  it("answers 503 (not 401) when the issuer's keys cannot be fetched: the token may be valid", async () => {
    const gone = await startTestIssuer();
    const token = await gone.tokenFor(customerA.id);
    await gone.close();
    const cut = buildTestOrderApp(database.db, sidecar.port, { authentication: gone.authentication });
    const response = await asCustomer(cut, token).get('/orders');
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('a trusted service (its Dapr identity, through our sidecar)', () => {
  it('places an order for any customer and reads it by reference', async () => {
    const placed = await asService(app).post('/orders').send(orderFor(customerB));
    expect(placed.status).toBe(201);
    const read = await asService(app).get(`/orders/${placed.body.reference}`);
    expect(read.status).toBe(200);
    expect(read.body.customer.id).toBe(customerB.id);
  });

  it("lists one named customer's orders at a time, never everyone's", async () => {
    const named = await asService(app).get('/orders').query({ customerId: customerB.id });
    expect(named.status).toBe(200);
    expect(new Set(named.body.items.map((order: { customer: { id: string } }) => order.customer.id))).toEqual(new Set([customerB.id]));
    const everyone = await asService(app).get('/orders');
    expect(everyone.status).toBe(400);
    expect(everyone.body.errors[0].field).toBe('customerId');
  });

  it('acts as the customer whose token it forwards (a gateway): the token narrows what it may do', async () => {
    const response = await asService(app).set('authorization', `Bearer ${tokenA}`).post('/orders').send(orderFor(customerB));
    expect(response.status).toBe(403);
  });

  it('is refused (401) when its app id is not in SERVICE_CALLERS', async () => {
    expect((await asService(app, 'payment-service').post('/orders').send(orderFor(customerB))).status).toBe(401);
  });

  it('is refused (401) when dapr-caller-app-id carries two values: a client wrote one and a sidecar relaying it added its own', async () => {
    const response = await viaSidecar(app)
      .set('dapr-caller-app-id', ['python-client', 'notification-service'])
      .post('/orders')
      .send(orderFor(customerB));
    expect(response.status).toBe(401);
  });

  it('is believed only with our app token: without it, every request is refused before any route', async () => {
    const response = await request(app).post('/orders').set('dapr-caller-app-id', 'python-client').send(orderFor(customerB));
    expect(response.status).toBe(401);
    expect(response.body.title).toBe('Missing or wrong API token');
  });
});

describe('the public listener (customers without Dapr, behind an Ingress)', () => {
  it('serves customers with a token, and believes no Dapr header: no service role there', async () => {
    expect((await request(publicApp).post('/orders').set('authorization', `Bearer ${tokenA}`).send(orderFor(customerA))).status).toBe(201);
    const posing = await request(publicApp)
      .post('/orders')
      .set({ 'dapr-caller-app-id': 'python-client', 'dapr-api-token': TEST_APP_TOKEN })
      .send(orderFor(customerB));
    expect(posing.status).toBe(401);
  });

  it.each([
    ['POST', '/payment-retry-sweep'],
    ['GET', '/metrics'],
    ['GET', '/openapi.json'],
  ])('does not serve %s %s at all (404)', async (method, path) => {
    const response = await request(publicApp)[method === 'POST' ? 'post' : 'get'](path).set('dapr-api-token', TEST_APP_TOKEN);
    expect(response.status).toBe(404);
  });

  it('answers the probes', async () => {
    expect((await request(publicApp).get('/health/ready')).status).toBe(200);
  });
});

describe('rate limits', () => {
  it("one customer cannot exhaust another's quota: the limit follows the token's customer", async () => {
    const limited = buildTestOrderApp(database.db, sidecar.port, { authentication: issuer.authentication, ordersPerCustomerPerMinute: 2 });
    expect((await asCustomer(limited, tokenA).post('/orders').send(orderFor(customerA))).status).toBe(201);
    expect((await asCustomer(limited, tokenA).post('/orders').send(orderFor(customerA))).status).toBe(201);
    const third = await asCustomer(limited, tokenA).post('/orders').send(orderFor(customerA));
    expect(third.status).toBe(429);
    // A's attempts to spend B's quota are refused before they count (403), so B still has all of it.
    expect((await asCustomer(limited, tokenA).post('/orders').send(orderFor(customerB))).status).toBe(403);
    expect((await asCustomer(limited, tokenB).post('/orders').send(orderFor(customerB))).status).toBe(201);
    expect((await asCustomer(limited, tokenB).post('/orders').send(orderFor(customerB))).status).toBe(201);
  });

  it('limits requests per client address on the public listener, counting bad tokens too; a forged X-Forwarded-For entry does not escape it', async () => {
    const { publicApp: behindIngress } = buildTestOrderApps(database.db, sidecar.port, {
      authentication: issuer.authentication,
      publicListener: { trustedProxyCount: 1, requestsPerClientAddressPerMinute: 3 },
    });
    // The Ingress controller (the socket's peer) appends the address it saw.
    const from = (chain: string) => request(behindIngress!).get('/orders').set({ 'x-forwarded-for': chain, authorization: `Bearer ${tokenA}` });
    expect((await from('198.51.100.7')).status).toBe(200);
    expect((await from('198.51.100.7').set('authorization', 'Bearer forged')).status).toBe(401);
    expect((await from('198.51.100.7')).status).toBe(200);
    const fourth = await from('203.0.113.99, 198.51.100.7');
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    // Another address has its own quota.
    expect((await from('198.51.100.8')).status).toBe(200);
  });
});

describe('development mode without authentication (AUTH_INSECURE_NO_AUTH)', () => {
  it('takes the customer from X-Customer-Id, still keeps customers apart, and refuses a request that names nobody', async () => {
    const open = buildTestOrderApp(database.db, sidecar.port, { authentication: { mode: 'insecure-no-auth' } });
    expect((await viaSidecar(open).post('/orders').set(INSECURE_CUSTOMER_HEADER, customerA.id).send(orderFor(customerA))).status).toBe(201);
    expect((await viaSidecar(open).post('/orders').set(INSECURE_CUSTOMER_HEADER, customerA.id).send(orderFor(customerB))).status).toBe(403);
    expect((await viaSidecar(open).get('/orders')).status).toBe(401);
  });
});
