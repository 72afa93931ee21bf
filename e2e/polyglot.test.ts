// Any language can join through the sidecar: the example clients each place an
// order, read it back, list the customer's orders and receive the order's
// payment.confirmed, all through a sidecar of their own:
// - examples/python: Python's standard library only (app-id python-client,
//   its own consumer group), and the one that also tries to forge its caller id;
// - examples/python-sdk: Dapr's Python SDK (`dapr`), the same identity, with a
//   streaming subscription (no server of its own);
// - examples/typescript: @dapr/dapr (app-id ts-client).
// Each places the order as a trusted service (no token: its mTLS identity), and
// lists orders as the customer, forwarding the customer's token from the
// development issuer.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { validatePaymentConfirmed } from '../test-support/event-schema';
import { http, invoke, sidecarUrl, uniqueCustomer } from './support/stack';
import { asCustomer } from './support/tokens';

const run = promisify(execFile);

interface ClientResult {
  ok: boolean;
  reference: string;
  placedStatus: string;
  readBack: Record<string, unknown>;
  listedAsCustomer: string[];
  forgedCallerStatus?: number;
  event: Record<string, unknown> & { eventId?: string };
}

/** Runs `npm run example:<name>`'s script against the running stack; its last stdout line is the result. */
async function runExample(script: string): Promise<ClientResult> {
  const { stdout } = await run(process.execPath, [path.resolve(__dirname, '../scripts', script)], {
    env: process.env,
    timeout: 90_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ClientResult;
}

function expectTheOrderAndItsEvent(result: ClientResult, amount: string, paymentMethod: string): void {
  expect(result.ok).toBe(true);
  expect(result.placedStatus).toBe('PAID');
  expect(result.readBack).toMatchObject({ reference: result.reference, amount, currency: 'EUR' });
  expect(result.listedAsCustomer).toEqual([result.reference]);
  expect(result.event).toMatchObject({ orderReference: result.reference, amount, paymentMethod });
  const { eventId: _id, ...data } = result.event;
  expect(validatePaymentConfirmed(data)).toEqual([]);
}

describe('a client in another language', () => {
  it('places an order through its own sidecar as a trusted service, reads it back, lists it as the customer, and receives payment.confirmed on its own subscription', async () => {
    const result = await runExample('example-python.mjs');

    expectTheOrderAndItsEvent(result, '39.90', 'PAYPAL');
    // dapr-caller-app-id written by the client arrives beside the one its sidecar sets: refused.
    expect(result.forgedCallerStatus).toBe(401);
  });
});

describe("clients on Dapr's official SDKs", () => {
  it("on the Python SDK (`dapr`), places an order, reads it back with a GET that names a content type, lists it as the customer, and receives payment.confirmed on a streaming subscription", async () => {
    const result = await runExample('example-python-sdk.mjs');

    expectTheOrderAndItsEvent(result, '25.00', 'PAYPAL');
  });

  it('on @dapr/dapr, places an order, reads it back, lists it as the customer, and receives payment.confirmed on its own subscription', async () => {
    const result = await runExample('example-typescript.mjs');

    expectTheOrderAndItsEvent(result, '21.75', 'VISA');
  });
});

describe('a request without a body, through the sidecar', () => {
  it('when a GET names a content type (application/json) but has no body, then it answers 200', async () => {
    const customer = uniqueCustomer();
    const placed = await invoke('order-service', 'order-service', 'POST', 'orders', {
      customer,
      items: [{ productId: 'cup-1', name: 'Cup', quantity: 1, unitPrice: '4.00' }],
      currency: 'EUR',
      paymentMethod: 'VISA',
    }, asCustomer(customer.id));
    expect(placed.status).toBe(201);

    const url = `${sidecarUrl('order-service')}/v1.0/invoke/order-service/method/orders/${placed.body.reference}`;
    for (const contentType of ['application/json', 'text/plain']) {
      const read = await http('GET', url, undefined, { 'content-type': contentType, ...asCustomer(customer.id) });
      expect({ contentType, status: read.status }).toEqual({ contentType, status: 200 });
      expect(read.body).toMatchObject({ reference: placed.body.reference });
    }
  });
});
