// Money is a decimal string on the wire ("49.90") and NUMERIC in PostgreSQL.
// Arithmetic happens on integer minor units (BigInt cents), never on floats.
import { z } from 'zod';

/** At most 12 integer digits and at most two fraction digits, no sign, no exponent. */
const MONEY_PATTERN = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

export const moneySchema = z
  .string()
  .regex(MONEY_PATTERN, 'must be a decimal string with at most two fraction digits, like "49.90"');

/**
 * A unit price: positive, at most 999999.99, so that no order (at most 100
 * lines of at most 10000 each) can total more than a payment can hold
 * (999999999999.99).
 */
export const unitPriceSchema = z
  .string()
  .regex(
    /^(?:[1-9]\d{0,5}(?:\.\d{1,2})?|0\.(?:[1-9]\d?|0[1-9]))$/,
    'must be a decimal string from 0.01 to 999999.99 with at most two fraction digits, like "49.90"',
  );

/**
 * A strictly positive amount. Positivity is in the pattern itself (not a
 * refinement) so that the JSON Schema and OpenAPI documents say it too.
 */
const POSITIVE_MONEY_PATTERN = /^(?:[1-9]\d{0,11}(?:\.\d{1,2})?|0\.(?:[1-9]\d?|0[1-9]))$/;
export const positiveMoneySchema = z
  .string()
  .regex(POSITIVE_MONEY_PATTERN, 'must be a decimal string greater than zero with at most two fraction digits, like "49.90"');

export function toMinorUnits(amount: string): bigint {
  const match = MONEY_PATTERN.exec(amount);
  if (!match) throw new RangeError(`not a money amount: ${JSON.stringify(amount)}`);
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').slice(1).padEnd(2, '0');
  return BigInt(whole) * 100n + BigInt(fraction);
}

/** Formats minor units as a decimal string with exactly two fraction digits. */
export function fromMinorUnits(minor: bigint): string {
  if (minor < 0n) throw new RangeError('money is never negative here');
  const whole = minor / 100n;
  const fraction = (minor % 100n).toString().padStart(2, '0');
  return `${whole}.${fraction}`;
}

/** Normalises "49.9" to "49.90" so equal amounts compare equal as strings. */
export function normaliseMoney(amount: string): string {
  return fromMinorUnits(toMinorUnits(amount));
}

export function multiplyMoney(unitPrice: string, quantity: number): string {
  if (!Number.isSafeInteger(quantity) || quantity < 0) throw new RangeError('quantity must be a whole number');
  return fromMinorUnits(toMinorUnits(unitPrice) * BigInt(quantity));
}

export function sumMoney(amounts: readonly string[]): string {
  return fromMinorUnits(amounts.reduce((total, amount) => total + toMinorUnits(amount), 0n));
}
