import { SidecarClient } from '@orderflow/service-kit';
import { DaprSmtpEmailSender } from '../../src/sidecar/smtp-email-sender';
import { startStubSidecar, type StubSidecar } from '../../../../test-support/stub-sidecar';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const email = (n: number) => ({ to: `customer-${n}@example.com`, subject: `Payment confirmed for order ORD-${n}`, html: '<p>Hi</p>' });

let sidecar: StubSidecar;
let client: SidecarClient;
let inFlight = 0;
let mostAtOnce = 0;

/** The sidecar holds every binding call a little, counting how many overlap; it refuses recipients named in `refuse`. */
function slowSidecar(refuse: string[] = []) {
  sidecar.answerWith(async (request) => {
    inFlight += 1;
    mostAtOnce = Math.max(mostAtOnce, inFlight);
    await sleep(25);
    inFlight -= 1;
    const to = (request.body as { metadata?: { emailTo?: string } }).metadata?.emailTo ?? '';
    return refuse.includes(to) ? { status: 500, body: { errorCode: 'ERR_INVOKE_OUTPUT_BINDING', message: '421 try again later' } } : { status: 204 };
  });
}

beforeAll(async () => {
  sidecar = await startStubSidecar();
  client = new SidecarClient({ host: '127.0.0.1', port: sidecar.port });
});

afterAll(async () => {
  client.close();
  await sidecar.close();
});

beforeEach(() => {
  sidecar.requests.length = 0;
  inFlight = 0;
  mostAtOnce = 0;
});

describe('sending e-mails through the sidecar', () => {
  it('sends one e-mail at a time by default (Dapr’s stock SMTP binding can swap the recipients of concurrent sends)', async () => {
    slowSidecar();
    const sender = new DaprSmtpEmailSender(client, { bindingName: 'email', from: 'orderflow@example.com' });
    await Promise.all([1, 2, 3, 4, 5].map((n) => sender.send(email(n))));
    expect(mostAtOnce).toBe(1);
    expect(sidecar.requests.map((r) => (r.body as { metadata: { emailTo: string } }).metadata.emailTo)).toEqual(
      [1, 2, 3, 4, 5].map((n) => `customer-${n}@example.com`),
    );
  });

  it('sends up to maxConcurrentSends side by side, and every e-mail goes out once', async () => {
    slowSidecar();
    const sender = new DaprSmtpEmailSender(client, { bindingName: 'email', from: 'orderflow@example.com', maxConcurrentSends: 3 });
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => sender.send(email(n))));
    expect(mostAtOnce).toBe(3);
    const recipients = sidecar.requests.map((r) => (r.body as { metadata: { emailTo: string } }).metadata.emailTo);
    expect(recipients.sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `customer-${n}@example.com`).sort());
  });

  it('gives a failed send’s place to the next e-mail', async () => {
    slowSidecar(['customer-1@example.com', 'customer-2@example.com']);
    const sender = new DaprSmtpEmailSender(client, { bindingName: 'email', from: 'orderflow@example.com', maxConcurrentSends: 2 });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => sender.send(email(n))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect(sidecar.requests).toHaveLength(4);
    expect(mostAtOnce).toBe(2);
  });
});
