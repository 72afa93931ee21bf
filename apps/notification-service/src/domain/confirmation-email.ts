// The payment confirmation e-mail. Every value that came from a customer is
// HTML-escaped: a customer named <script> gets their name shown, not run.
import { isCurrencyCode, normaliseMoney, type PaymentConfirmed } from '@orderflow/contracts';
import type { Email } from './notification';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

const PAYMENT_METHOD_NAMES: Record<PaymentConfirmed['paymentMethod'], string> = {
  CREDIT_CARD: 'credit card',
  PAYPAL: 'PayPal',
  VISA: 'Visa',
  MASTER_CARD: 'Mastercard',
  BITCOIN: 'Bitcoin',
};

/**
 * The amount with exactly its currency's digits: "1.234" KWD, "1000" JPY, "49.90"
 * EUR (an event may say "49.9", the previous release "1000.00" JPY). An e-mail is
 * rendered from the payload stored when its event came, maybe long before: an
 * amount or a code the table does not know now (withdrawn since, like HRK) is
 * shown as stored, "1000.00 HRK", rather than the e-mail never going out.
 */
export function shownAmount(amount: string, currency: string): string {
  if (!isCurrencyCode(currency)) return `${amount} ${currency}`;
  try {
    return `${normaliseMoney(amount, currency)} ${currency}`;
  } catch {
    return `${amount} ${currency}`;
  }
}

/** Throws when the stored payment cannot make an e-mail at all: dispatch-emails.ts records that as unrenderable. */
export function confirmationEmail(payment: PaymentConfirmed): Email {
  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="en">
<body style="font-family: sans-serif; line-height: 1.5">
<p>Hello ${e(payment.customer.firstName)} ${e(payment.customer.lastName)},</p>
<p>we have received your payment for order <strong>${e(payment.orderReference)}</strong>.</p>
<table>
<tr><td>Order</td><td><strong>${e(payment.orderReference)}</strong></td></tr>
<tr><td>Amount</td><td><strong>${e(shownAmount(payment.amount, payment.currency))}</strong></td></tr>
<tr><td>Paid with</td><td>${e(PAYMENT_METHOD_NAMES[payment.paymentMethod])}</td></tr>
<tr><td>Payment</td><td>${e(payment.paymentId)}</td></tr>
<tr><td>Confirmed at</td><td>${e(payment.confirmedAt)}</td></tr>
</table>
<p>Thank you for your order.</p>
</body>
</html>
`;
  return {
    to: payment.customer.email,
    // Only validated, header-safe values (reference: [A-Za-z0-9_-]) reach the subject.
    subject: `Payment confirmed for order ${payment.orderReference}`,
    html,
  };
}
