import {
  amountPattern,
  fromMinorUnits,
  moneySchema,
  multiplyMoney,
  normaliseMoney,
  positiveMoneySchema,
  precisionProblem,
  storableMoney,
  storedMoney,
  sumMoney,
  toMinorUnits,
  unitPriceSchema,
} from '../src/money';
import { paymentConfirmedSchema } from '../src/payment-confirmed';
import { paymentRequestSchema } from '../src/payment-request';

const customer = { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
const request = (amount: string, currency: string) => ({ orderReference: 'ORD-1', amount, currency, paymentMethod: 'VISA', customer });

describe('money', () => {
  it('adds amounts exactly where floats would not ("0.10" + "0.20" is "0.30")', () => {
    expect(sumMoney(['0.10', '0.20'], 'EUR')).toBe('0.30');
    expect(0.1 + 0.2).not.toBe(0.3); // the reason money is never a float here
  });

  it('multiplies a unit price by a quantity exactly, in the currency\'s minor units', () => {
    expect(multiplyMoney('19.99', 3, 'EUR')).toBe('59.97');
    expect(multiplyMoney('0.01', 10_000, 'EUR')).toBe('100.00');
    expect(multiplyMoney('999999999.99', 10_000, 'EUR')).toBe('9999999999900.00');
    expect(multiplyMoney('1.234', 3, 'KWD')).toBe('3.702');
    expect(multiplyMoney('1000', 3, 'JPY')).toBe('3000');
    expect(multiplyMoney('0.0001', 3, 'UYW')).toBe('0.0003');
  });

  it('formats with exactly the currency\'s digits: "1000" JPY has no ".00", "1.2" KWD is "1.200"', () => {
    expect(normaliseMoney('49.9', 'EUR')).toBe('49.90');
    expect(normaliseMoney('49', 'EUR')).toBe('49.00');
    expect(normaliseMoney('1000', 'JPY')).toBe('1000');
    expect(normaliseMoney('1.2', 'KWD')).toBe('1.200');
    expect(normaliseMoney('1.234', 'KWD')).toBe('1.234');
    expect(toMinorUnits('49.90', 'EUR')).toBe(4990n);
    expect(toMinorUnits('1.234', 'KWD')).toBe(1234n);
    expect(toMinorUnits('1000', 'JPY')).toBe(1000n);
    expect(fromMinorUnits(5n, 'EUR')).toBe('0.05');
    expect(fromMinorUnits(5n, 'KWD')).toBe('0.005');
    expect(fromMinorUnits(5n, 'JPY')).toBe('5');
  });

  it('round-trips "1.234" KWD exactly through minor units and back', () => {
    expect(fromMinorUnits(toMinorUnits('1.234', 'KWD'), 'KWD')).toBe('1.234');
    expect(sumMoney([multiplyMoney('1.234', 1, 'KWD')], 'KWD')).toBe('1.234');
  });

  it('refuses arithmetic on an amount with more digits than its currency has', () => {
    expect(() => toMinorUnits('10.50', 'JPY')).toThrow(RangeError);
    expect(() => toMinorUnits('1.2345', 'KWD')).toThrow(RangeError);
  });

  it('reads a stored NUMERIC back with the currency\'s digits and never drops a digit', () => {
    expect(storedMoney('49.90', 'EUR')).toBe('49.90');
    expect(storedMoney('49.9000', 'EUR')).toBe('49.90');
    expect(storedMoney('1000.00', 'JPY')).toBe('1000');
    expect(storedMoney('1.234', 'KWD')).toBe('1.234');
    expect(storedMoney('1.2', 'KWD')).toBe('1.200');
    expect(storedMoney('10.50', 'JPY')).toBe('10.5'); // a row from before amounts were checked per currency
  });

  it('writes at least two fraction digits, which the previous release reads back as the same charge ("1000.00" JPY)', () => {
    expect(storableMoney('1000', 'JPY')).toBe('1000.00');
    expect(storableMoney('49.9', 'EUR')).toBe('49.90');
    expect(storableMoney('1.234', 'KWD')).toBe('1.234');
    expect(storableMoney('1.2', 'KWD')).toBe('1.200');
    expect(storedMoney(storableMoney('1000', 'JPY'), 'JPY')).toBe('1000');
  });

  it.each(['1.23456', '-1.00', '1e3', '01.00', ' 1.00', '1.', '.5', '', 'NaN', '1,00', '1234567890123456'])('refuses %p as money', (value) => {
    expect(moneySchema.safeParse(value).success).toBe(false);
  });

  it('refuses a number where a decimal string is expected', () => {
    expect(moneySchema.safeParse(49.9).success).toBe(false);
  });

  it('refuses zero where a positive amount is required', () => {
    expect(positiveMoneySchema.safeParse('0.00').success).toBe(false);
    expect(positiveMoneySchema.safeParse('0.0000').success).toBe(false);
    expect(positiveMoneySchema.safeParse('0.01').success).toBe(true);
    expect(positiveMoneySchema.safeParse('0.0001').success).toBe(true);
  });

  it('bounds a unit price at 9 integer digits, so 100 lines of 10000 stay below what an amount holds', () => {
    expect(unitPriceSchema.safeParse('999999999.99').success).toBe(true);
    expect(unitPriceSchema.safeParse('1000000000').success).toBe(false);
    expect(positiveMoneySchema.safeParse(multiplyMoney('999999999.99', 10_000 * 100, 'EUR')).success).toBe(true);
  });
});

describe('an amount in its currency (PaymentRequest)', () => {
  it.each([
    ['10.50', 'JPY', 'must be a whole number in JPY, which has no minor units'],
    ['1.5', 'KRW', 'must be a whole number in KRW, which has no minor units'],
    ['0.01', 'CLP', 'must be a whole number in CLP, which has no minor units'],
    ['1.234', 'EUR', 'must have at most 2 fraction digits in EUR'],
    ['1.2345', 'KWD', 'must have at most 3 fraction digits in KWD'],
  ])('refuses %p %s, naming the amount field', (amount, currency, message) => {
    const result = paymentRequestSchema.safeParse(request(amount, currency));
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['amount', message]]);
  });

  it.each([
    ['1.234', 'KWD'],
    ['1000', 'JPY'],
    ['49.90', 'EUR'],
    ['49.9', 'EUR'],
    ['0.0001', 'UYW'],
    ['1.2345', 'UYW'],
  ])('accepts %p %s', (amount, currency) => {
    expect(paymentRequestSchema.safeParse(request(amount, currency)).success).toBe(true);
  });

  it.each([
    ['1000.00', 'JPY', '1000'],
    ['1.00', 'KRW', '1'],
    ['49.900', 'EUR', '49.90'],
    ['1.2340', 'KWD', '1.234'],
  ])('when another service or an event sends %p %s (the previous release wrote two decimals), then it is taken and normalised to %p', (amount, currency, normalised) => {
    expect(paymentRequestSchema.safeParse(request(amount, currency)).success).toBe(true);
    const event = { ...request(amount, currency), paymentId: 'p-1', confirmedAt: '2026-11-25T10:00:00.000Z' };
    expect(paymentConfirmedSchema.safeParse(event).success).toBe(true);
    expect(normaliseMoney(amount, currency as 'JPY')).toBe(normalised);
  });

  it('keeps the strict rule for customer input: "1000.00" JPY has too many digits there', () => {
    expect(precisionProblem('1000.00', 'JPY')).toBe('must be a whole number in JPY, which has no minor units');
  });

  it('when the extra fraction digits are not all zeros, then even a tolerant reader refuses them ("10.50" JPY)', () => {
    expect(paymentRequestSchema.safeParse(request('10.50', 'JPY')).success).toBe(false);
    expect(() => normaliseMoney('10.50', 'JPY')).toThrow(RangeError);
  });

  it('has one pattern per group of minor units, the same the JSON Schema carries', () => {
    expect(amountPattern(0).test('1000')).toBe(true);
    expect(amountPattern(0).test('10.5')).toBe(false);
    expect(amountPattern(3).test('1.234')).toBe(true);
    expect(amountPattern(3).test('0.000')).toBe(false);
  });
});
