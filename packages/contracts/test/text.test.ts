import fc from 'fast-check';
import type { z } from 'zod';
import { customerSchema } from '../src/customer';
import { paymentConfirmedSchema } from '../src/payment-confirmed';
import { paymentRequestSchema } from '../src/payment-request';
import { CONTROL_CHARACTER_MESSAGE, ILL_FORMED_MESSAGE, isCleanText, textSchema } from '../src/text';
import { traceparentOf } from '../src/trace-context';
import { validatePaymentConfirmed } from '../../../test-support/event-schema';
import { hostileText } from '../../../test-support/hostile-text';

const customer = { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
const paymentRequest = { orderReference: 'ORD-1', amount: '49.90', currency: 'EUR', paymentMethod: 'VISA', customer };
const paymentConfirmed = {
  paymentId: '0b0d2f5a-8f5c-4c3e-9d1e-7b1f0c2a9e11',
  orderReference: 'ORD-ABC',
  amount: '49.90',
  currency: 'EUR',
  paymentMethod: 'VISA',
  customer,
  confirmedAt: '2026-11-25T10:00:00.000Z',
};

const STRING_FIELDS = {
  PaymentRequest: ['orderReference', 'amount', 'currency', 'paymentMethod', 'customer.id', 'customer.firstName', 'customer.lastName', 'customer.email'],
  'payment.confirmed': [
    'paymentId', 'orderReference', 'amount', 'currency', 'paymentMethod',
    'customer.id', 'customer.firstName', 'customer.lastName', 'customer.email', 'confirmedAt',
  ],
} as const;

/** Fields of free text or ids (textSchema); the others are enums, amounts and timestamps, whose own shape refuses such text. */
const TEXT_FIELDS = new Set<string>(['orderReference', 'paymentId', 'customer.id', 'customer.firstName', 'customer.lastName', 'customer.email']);

function withField<T extends object>(value: T, path: string, text: string): T {
  const [head, tail] = path.split('.') as [string, string | undefined];
  const record = value as Record<string, unknown>;
  return { ...value, [head]: tail === undefined ? text : { ...(record[head] as object), [tail]: text } };
}

function issuesOf(schema: z.ZodType, value: unknown): [string, string][] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => [issue.path.join('.'), issue.message]);
}

describe('well-formed text in the contracts', () => {
  it('refuses a lone surrogate with a message that names the problem', () => {
    expect(issuesOf(customerSchema, { ...customer, firstName: 'Ada\ud800' })).toEqual([['firstName', ILL_FORMED_MESSAGE]]);
    expect(issuesOf(customerSchema, { ...customer, lastName: '\udc00Lovelace' })).toEqual([['lastName', ILL_FORMED_MESSAGE]]);
  });

  it('refuses NUL and other control characters with a message that names them', () => {
    for (const character of ['\u0000', '\t', '\u001b', '\u007f', '\u0085', '\u2028']) {
      expect(issuesOf(customerSchema, { ...customer, firstName: `Ada${character}` })).toEqual([['firstName', CONTROL_CHARACTER_MESSAGE]]);
    }
  });

  it('accepts letters of any script and characters outside the BMP (a proper surrogate pair)', () => {
    expect(customerSchema.safeParse({ ...customer, firstName: 'Zoë 😀', lastName: '李' }).success).toBe(true);
    expect(isCleanText('😀')).toBe(true);
    expect(isCleanText('\ud83d')).toBe(false);
  });

  it('gives one message per bad field, the first rule it breaks', () => {
    const id = textSchema({ maxLength: 10, pattern: { regex: /^[a-z]+$/, message: 'lowercase only' } });
    expect(id.safeParse('a\u0000').error?.issues.map((issue) => issue.message)).toEqual([CONTROL_CHARACTER_MESSAGE]);
  });

  for (const [contract, schema, valid] of [
    ['PaymentRequest', paymentRequestSchema, paymentRequest],
    ['payment.confirmed', paymentConfirmedSchema, paymentConfirmed],
  ] as const) {
    it(`takes into ${contract} no string that is ill-formed or holds a control character, and names the field it refuses`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...STRING_FIELDS[contract]), hostileText, (field, text) => {
          const issues = issuesOf(schema, withField(valid, field, text));
          if (!isCleanText(text)) {
            expect(issues.length).toBeGreaterThan(0);
            expect(issues.every(([path]) => path === field)).toBe(true);
          }
          if (!text.isWellFormed() && TEXT_FIELDS.has(field)) expect(issues).toEqual([[field, ILL_FORMED_MESSAGE]]);
        }),
        { numRuns: 500 },
      );
    });
  }

  it('has the published payment.confirmed JSON Schema refuse what the contract refuses for its text', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STRING_FIELDS['payment.confirmed']), hostileText, (field, text) => {
        if (!isCleanText(text)) expect(validatePaymentConfirmed(withField(paymentConfirmed, field, text))).not.toEqual([]);
      }),
      { numRuns: 500 },
    );
    expect(validatePaymentConfirmed(withField(paymentConfirmed, 'customer.firstName', 'Zoë 😀'))).toEqual([]);
  });
});

describe('the traceparent header', () => {
  it('is kept when it is one, and ignored (a new trace) when it is not', () => {
    const good = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(traceparentOf(good)).toBe(good);
    for (const bad of [`${good}-and-more`, '\u0000', '00-\ud800', 'x'.repeat(500), undefined]) expect(traceparentOf(bad)).toBeUndefined();
  });
});
