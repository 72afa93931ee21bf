// Reads what reached the SMTP server, through MailDev's REST API.
import { http, mailDevUrl } from './stack';

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
