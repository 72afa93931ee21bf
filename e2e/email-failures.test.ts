// Whom a failed send concerns decides what happens to it, through the real
// sidecar, our SMTP binding and MailDev (behind the test's SMTP proxy, which
// refuses one mailbox as a real server refuses one that does not exist).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { control, controlAvailable } from './support/control';
import { emailsTo } from './support/maildev';
import { apiTokens, eventually, invoke, uniqueCustomer } from './support/stack';
import { asCustomer } from './support/tokens';

jest.setTimeout(120_000);

const run = promisify(execFile);
/** The operator's command, as `npm run notifications -- …` runs it. */
const notificationsCommand = async (...args: string[]) =>
  (
    await run(process.execPath, [path.resolve(__dirname, '../scripts/notifications.mjs'), ...args], {
      env: { ...process.env, DAPR_API_TOKEN: apiTokens('notification-service').dapr },
    })
  ).stdout;

const notificationOf = async (reference: string) =>
  (await invoke('notification-service', 'notification-service', 'GET', `notifications?orderReference=${reference}`)).body.items[0];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

(controlAvailable ? describe : describe.skip)('an e-mail the SMTP server refuses for this recipient (550 5.1.1)', () => {
  afterEach(async () => {
    await control.setSmtp({ mode: 'pass' });
  });

  it('is recorded UNDELIVERABLE, never retried by itself, and sent exactly once after an operator re-arms it', async () => {
    const customer = uniqueCustomer();
    const mailbox = `refused.${customer.email}`;
    await control.setSmtp({ mode: 'refuse-recipient', recipient: 'refused.' });
    const placed = await invoke('order-service', 'order-service', 'POST', 'orders', {
      customer: { ...customer, email: mailbox },
      items: [{ productId: 'p-1', name: 'Mug', quantity: 1, unitPrice: '9.00' }],
      currency: 'EUR',
      paymentMethod: 'VISA',
    }, asCustomer(customer.id));
    expect(placed.status).toBe(201);
    const reference = placed.body.reference as string;

    const refused = await eventually(
      'the notification UNDELIVERABLE',
      async () => {
        const notification = await notificationOf(reference);
        return notification?.status === 'UNDELIVERABLE' ? notification : undefined;
      },
      30_000,
    );
    expect(refused).toMatchObject({ failureClass: 'recipient', attempts: 1, nextAttemptAt: null });
    expect(refused.lastError).toMatch(/smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 smtp-enhanced=5\.1\.1/);

    // The mailbox is back (the proxy refuses nobody now): nothing is sent until an operator says so.
    await control.setSmtp({ mode: 'pass' });
    await sleep(5_000);
    expect(await notificationOf(reference)).toMatchObject({ status: 'UNDELIVERABLE', attempts: 1 });
    expect(await emailsTo(mailbox)).toHaveLength(0);

    expect(await notificationsCommand('rearm', '--order', reference)).toContain('1 undeliverable e-mail(s) are due again');
    await eventually('the e-mail', async () => ((await emailsTo(mailbox)).length > 0 ? true : undefined), 30_000);
    await sleep(3_000);
    expect(await emailsTo(mailbox)).toHaveLength(1);
    // Re-arming starts its count (and backoff) afresh: one attempt since.
    expect(await notificationOf(reference)).toMatchObject({ status: 'SENT', attempts: 1, failureClass: null });
    expect(await notificationsCommand('show', '--order', reference)).toMatch(/\tSENT\tattempts 1\t/);
  });
});
