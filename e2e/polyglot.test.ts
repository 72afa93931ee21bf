// Any language can join through the sidecar: the Python client in
// examples/python places an order, reads it back and receives its
// payment.confirmed through a subscription of its own, all through its own
// sidecar (app-id python-client, its own consumer group). It places the order
// as a trusted service (no token: its mTLS identity), and lists orders as the
// customer, forwarding the customer's token from the development issuer.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { validatePaymentConfirmed } from '../test-support/event-schema';

const run = promisify(execFile);

describe('a client in another language', () => {
  it('places an order through its own sidecar as a trusted service, reads it back, lists it as the customer, and receives payment.confirmed on its own subscription', async () => {
    const { stdout } = await run(process.execPath, [path.resolve(__dirname, '../scripts/example-python.mjs')], {
      env: process.env,
      timeout: 90_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop()!);

    expect(result.ok).toBe(true);
    expect(result.placedStatus).toBe('PAID');
    expect(result.readBack).toMatchObject({ reference: result.reference, amount: '39.90', currency: 'EUR' });
    expect(result.listedAsCustomer).toEqual([result.reference]);
    // dapr-caller-app-id written by the client arrives beside the one its sidecar sets: refused.
    expect(result.forgedCallerStatus).toBe(401);
    expect(result.event).toMatchObject({ orderReference: result.reference, amount: '39.90', paymentMethod: 'PAYPAL' });
    const { eventId: _id, ...data } = result.event;
    expect(validatePaymentConfirmed(data)).toEqual([]);
  });
});
