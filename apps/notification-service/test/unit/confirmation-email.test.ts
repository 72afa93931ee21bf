import { confirmationEmail, escapeHtml } from '../../src/domain/confirmation-email';

const payment = {
  paymentId: '6f1c2f3e-0000-4000-8000-000000000001',
  orderReference: 'ORD-ABC',
  amount: '49.90',
  currency: 'EUR' as const,
  paymentMethod: 'VISA' as const,
  customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  confirmedAt: '2026-11-25T10:00:00.000Z',
};

describe('the confirmation e-mail', () => {
  it('is addressed to the customer and names the order and the amount', () => {
    const email = confirmationEmail(payment);
    expect(email.to).toBe('ada@example.com');
    expect(email.subject).toBe('Payment confirmed for order ORD-ABC');
    expect(email.html).toContain('ORD-ABC');
    expect(email.html).toContain('49.90 EUR');
    expect(email.html).toContain('Hello Ada Lovelace');
  });

  it('shows a customer named <script> as text, never as markup', () => {
    const email = confirmationEmail({
      ...payment,
      customer: { ...payment.customer, firstName: '<script>alert(1)</script>', lastName: '"O\'Brien" & <b>' },
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<b>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain('&quot;O&#39;Brien&quot; &amp; &lt;b&gt;');
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it.each([
    ['1.234', 'KWD', '1.234 KWD'],
    ['1000', 'JPY', '1000 JPY'],
    ['49.9', 'EUR', '49.90 EUR'],
    ['0.5', 'UYW', '0.5000 UYW'],
  ] as const)('shows %p %s with exactly the currency\'s digits: %p', (amount, currency, shown) => {
    expect(confirmationEmail({ ...payment, amount, currency }).html).toContain(`<strong>${shown}</strong>`);
  });

  it.each([
    ['1000.00', 'JPY', '1000 JPY'],
    ['1000.00', 'HRK', '1000.00 HRK'],
    ['12.50', 'XDR', '12.50 XDR'],
    ['3.00', 'ZWL', '3.00 ZWL'],
    ['10.50', 'JPY', '10.50 JPY'],
  ])('renders a stored %p %s (the previous release\'s, or a code withdrawn since) without throwing: %p', (amount, currency, shown) => {
    const stored = { ...payment, amount, currency } as unknown as Parameters<typeof confirmationEmail>[0];
    expect(confirmationEmail(stored).html).toContain(`<strong>${shown}</strong>`);
  });
});
