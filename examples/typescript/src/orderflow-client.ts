// A client of orderflow on Dapr's official JavaScript SDK (@dapr/dapr), through
// its own sidecar (app-id ts-client, so its own Kafka consumer group).
//
// The same four steps as examples/python: it places an order and reads it back
// by service invocation (DaprClient.invoker), lists the customer's orders
// forwarding the customer's bearer token, and receives the order's
// payment.confirmed through a subscription of its own (DaprServer.pubsub: the
// JavaScript SDK has no streaming subscription, so its sidecar delivers to a
// small server here, which it asks for its subscriptions at start).
//
// As itself it is a trusted service that order-service knows by its mTLS
// identity (SERVICE_CALLERS in dapr.yaml); with the customer's token it acts as
// that customer, who sees only their own orders (docs/security.md).
//
// Environment (set by `npm run example:typescript`, or by `dapr run` beside it):
//   DAPR_HTTP_PORT   its sidecar's HTTP port
//   DAPR_API_TOKEN   the sidecar's API token (sent as dapr-api-token), if it has one
//   APP_PORT         where this client listens for deliveries from its sidecar
//   APP_API_TOKEN    the token its sidecar presents on deliveries, if any
//   CUSTOMER_ID      the customer to order for (default: a new one)
//   CUSTOMER_TOKEN   that customer's bearer token (`npm run -s token -- <id>`), if any
// Prints one JSON line with what it saw; exits 0 when the event arrived in time.
import crypto from 'node:crypto';
import { CommunicationProtocolEnum, DaprClient, DaprPubSubStatusEnum, DaprServer, HttpMethod, LogLevel } from '@dapr/dapr';
import express from 'express';

const PUBSUB = 'kafka-pubsub';
const TOPIC = 'payment-topic';
const WAIT_MS = Number(process.env.WAIT_SECONDS ?? '30') * 1000;

interface PaymentConfirmed {
  orderReference: string;
  [field: string]: unknown;
}

interface Order {
  reference: string;
  status: string;
  [field: string]: unknown;
}

/** What the SDK throws for a non-2xx answer: the status is inside its JSON message. */
function statusOf(error: unknown): number | undefined {
  try {
    return (JSON.parse((error as Error).message) as { status?: number }).status;
  } catch {
    return undefined;
  }
}

/** Refuses deliveries that do not carry our sidecar's APP_API_TOKEN (the SDK's server does not check it). */
function onlyOurSidecar(token: string | undefined): express.RequestHandler {
  return (req, res, next) => {
    if (!token) return next();
    const given = Buffer.from(req.header('dapr-api-token') ?? '');
    const expected = Buffer.from(token);
    if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return next();
    res.status(401).json({ error: 'only our sidecar may deliver' });
  };
}

async function main(): Promise<number> {
  const sidecar = {
    daprHost: '127.0.0.1',
    daprPort: process.env.DAPR_HTTP_PORT ?? '3500',
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    ...(process.env.DAPR_API_TOKEN ? { daprApiToken: process.env.DAPR_API_TOKEN } : {}),
    // stdout is for the result line.
    logger: { level: LogLevel.Error },
  };
  const deliveries = express();
  deliveries.use(onlyOurSidecar(process.env.APP_API_TOKEN));
  const server = new DaprServer({
    serverHost: '127.0.0.1',
    serverPort: process.env.APP_PORT ?? '3011',
    serverHttp: deliveries,
    clientOptions: sidecar,
    logger: { level: LogLevel.Error },
  });

  const confirmed = new Map<string, PaymentConfirmed>();
  const waiting = new Map<string, (event: PaymentConfirmed) => void>();
  await server.pubsub.subscribe(PUBSUB, TOPIC, async (data: unknown) => {
    const event = data as Partial<PaymentConfirmed> | undefined;
    if (typeof event?.orderReference === 'string') {
      confirmed.set(event.orderReference, event as PaymentConfirmed);
      waiting.get(event.orderReference)?.(event as PaymentConfirmed);
    }
    // Success for every event: this client only listens.
    return DaprPubSubStatusEnum.SUCCESS;
  });
  // Listens, then waits until the sidecar answers (it asks for our subscriptions first).
  await server.start();
  const client = new DaprClient(sidecar);

  const tag = crypto.randomBytes(6).toString('hex');
  const customerId = process.env.CUSTOMER_ID || `ts-${tag}`;
  const order = {
    customer: { id: customerId, firstName: 'Anders', lastName: 'Hejlsberg', email: `anders.${tag}@example.com` },
    items: [{ productId: 'ts-1', name: 'TypeScript handbook', quantity: 3, unitPrice: '7.25' }],
    currency: 'EUR',
    paymentMethod: 'VISA',
  };
  const result: Record<string, unknown> = { ok: false };
  const report = (extra: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...result, ...extra })}\n`);
  try {
    let placed: Order;
    try {
      placed = (await client.invoker.invoke('order-service', 'orders', HttpMethod.POST, order, {
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `ts-${tag}` },
      })) as Order;
    } catch (error) {
      report({ step: 'place order', status: statusOf(error), error: (error as Error).message });
      return 1;
    }
    result.reference = placed.reference;
    result.placedStatus = placed.status;

    try {
      result.readBack = await client.invoker.invoke('order-service', `orders/${placed.reference}`, HttpMethod.GET);
    } catch (error) {
      report({ step: 'read back', status: statusOf(error), error: (error as Error).message });
      return 1;
    }

    if (process.env.CUSTOMER_TOKEN) {
      try {
        const page = (await client.invoker.invoke('order-service', 'orders', HttpMethod.GET, undefined, {
          headers: { Authorization: `Bearer ${process.env.CUSTOMER_TOKEN}` },
        })) as { items: Order[] };
        result.listedAsCustomer = page.items.map((item) => item.reference);
      } catch (error) {
        report({ step: 'list as the customer', status: statusOf(error), error: (error as Error).message });
        return 1;
      }
    }

    const event =
      confirmed.get(placed.reference) ??
      (await new Promise<PaymentConfirmed | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), WAIT_MS);
        waiting.set(placed.reference, (arrived) => {
          clearTimeout(timer);
          resolve(arrived);
        });
      }));
    result.event = event ?? null;
    result.ok = event !== undefined;
    report({});
    return event ? 0 : 1;
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stdout.write(`${JSON.stringify({ ok: false, step: 'start', error: String(error) })}\n`);
    process.exit(1);
  },
);
