// Reads what reached the SMTP server, through MailDev's REST API.
import { eventually, http, mailDevUrl } from './stack';

export interface ReceivedEmail {
  id: string;
  subject: string;
  html: string;
  to: { address: string; name: string }[];
  from: { address: string; name: string }[];
  time: string;
}

export async function emailsTo(address: string): Promise<ReceivedEmail[]> {
  const response = await http('GET', `${mailDevUrl}/api/email`);
  if (response.status !== 200) throw new Error(`MailDev answered ${response.status}`);
  return (response.body as ReceivedEmail[]).filter((email) => email.to.some((to) => to.address.toLowerCase() === address.toLowerCase()));
}

/**
 * Waits for the first e-mail to `address`, then checks, `settleMs` later, that it
 * is still the only one (no late duplicate); returns it.
 */
export async function theOneEmailTo(address: string, what: string, timeoutMs: number, settleMs = 2_000): Promise<ReceivedEmail> {
  const [email] = await eventually(
    what,
    async () => {
      const found = await emailsTo(address);
      return found.length > 0 ? found : undefined;
    },
    timeoutMs,
  );
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  expect(await emailsTo(address)).toHaveLength(1);
  return email!;
}
