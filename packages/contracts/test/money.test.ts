import { fromMinorUnits, moneySchema, multiplyMoney, normaliseMoney, positiveMoneySchema, sumMoney, toMinorUnits } from '../src/money';

describe('money', () => {
  it('adds amounts exactly where floats would not ("0.10" + "0.20" is "0.30")', () => {
    expect(sumMoney(['0.10', '0.20'])).toBe('0.30');
    expect(0.1 + 0.2).not.toBe(0.3); // the reason money is never a float here
  });

  it('multiplies a unit price by a quantity exactly', () => {
    expect(multiplyMoney('19.99', 3)).toBe('59.97');
    expect(multiplyMoney('0.01', 10_000)).toBe('100.00');
    expect(multiplyMoney('999999999999.99', 10_000)).toBe('9999999999999900.00');
  });

  it('normalises "49.9" and "49" to two fraction digits', () => {
    expect(normaliseMoney('49.9')).toBe('49.90');
    expect(normaliseMoney('49')).toBe('49.00');
    expect(toMinorUnits('49.90')).toBe(4990n);
    expect(fromMinorUnits(5n)).toBe('0.05');
  });

  it.each(['1.234', '-1.00', '1e3', '01.00', ' 1.00', '1.', '.5', '', 'NaN', '1,00'])('refuses %p as money', (value) => {
    expect(moneySchema.safeParse(value).success).toBe(false);
  });

  it('refuses a number where a decimal string is expected', () => {
    expect(moneySchema.safeParse(49.9).success).toBe(false);
  });

  it('refuses zero where a positive amount is required', () => {
    expect(positiveMoneySchema.safeParse('0.00').success).toBe(false);
    expect(positiveMoneySchema.safeParse('0.01').success).toBe(true);
  });
});
