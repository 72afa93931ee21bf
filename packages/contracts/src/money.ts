// Money is a decimal string on the wire, with exactly the currency's minor units
// ("49.90" EUR, "1000" JPY, "1.234" KWD), and NUMERIC in PostgreSQL. Arithmetic
// happens on integer minor units (BigInt, scaled by the currency's exponent),
// never on floats.
import { z } from 'zod';
import { currenciesByMinorUnits, MAX_MINOR_UNITS, minorUnitsOf, type CurrencyCode, type MinorUnits } from './currency';

/**
 * The limits are in major units and the same for every currency: without
 * exchange rates no per-currency ceiling would mean more. They are wide enough
 * for the currencies with the smallest units (IDR, VND, IRR: 10^4–10^5 to the
 * dollar) to price real goods: a unit price has at most 9 integer digits
 * (999999999), so an order (at most 100 lines of at most 10000 each) totals
 * less than 10^15, which an amount (15 integer digits) always holds.
 */
export const UNIT_PRICE_INTEGER_DIGITS = 9;
export const AMOUNT_INTEGER_DIGITS = 15;

/** An unsigned decimal: `integerDigits` at most, `minorUnits` fraction digits at most; positive: greater than zero. */
function decimalPattern(minorUnits: number, integerDigits: number, positive: boolean): RegExp {
  const whole = `[1-9]\\d{0,${integerDigits - 1}}`;
  if (minorUnits === 0) return new RegExp(positive ? `^${whole}$` : `^(?:0|${whole})$`);
  const fraction = `\\.\\d{1,${minorUnits}}`;
  // Positivity is in the pattern itself (not a refinement), so the JSON Schema and OpenAPI documents say it too.
  return new RegExp(
    positive ? `^(?:${whole}(?:${fraction})?|0\\.(?!0+$)\\d{1,${minorUnits}})$` : `^(?:0|${whole})(?:${fraction})?$`,
  );
}

const DIGITS_OF_ANY_CURRENCY = `at most ${MAX_MINOR_UNITS} fraction digits`;

/** Any amount, in any currency: the currency's own digits are checked where the currency is known (amountFitsCurrency). */
export const moneySchema = z
  .string()
  .regex(
    decimalPattern(MAX_MINOR_UNITS, AMOUNT_INTEGER_DIGITS, false),
    `must be a decimal string with at most ${AMOUNT_INTEGER_DIGITS} integer digits and ${DIGITS_OF_ANY_CURRENCY}, like "49.90"`,
  );

export const positiveMoneySchema = z
  .string()
  .regex(
    decimalPattern(MAX_MINOR_UNITS, AMOUNT_INTEGER_DIGITS, true),
    `must be a decimal string greater than zero with at most ${AMOUNT_INTEGER_DIGITS} integer digits, like "49.90"`,
  );

export const unitPriceSchema = z
  .string()
  .regex(
    decimalPattern(MAX_MINOR_UNITS, UNIT_PRICE_INTEGER_DIGITS, true),
    `must be a decimal string greater than zero with at most ${UNIT_PRICE_INTEGER_DIGITS} integer digits, like "49.90"`,
  );

export type AmountKind = 'amount' | 'unitPrice';
const INTEGER_DIGITS: Record<AmountKind, number> = { amount: AMOUNT_INTEGER_DIGITS, unitPrice: UNIT_PRICE_INTEGER_DIGITS };

/** The pattern of a positive amount in a currency with these minor units. */
export function amountPattern(minorUnits: MinorUnits, kind: AmountKind = 'amount'): RegExp {
  return decimalPattern(minorUnits, INTEGER_DIGITS[kind], true);
}

function fractionDigits(amount: string): number {
  const dot = amount.indexOf('.');
  return dot < 0 ? 0 : amount.length - dot - 1;
}

/** Why `amount` cannot be an amount in `currency` (too many fraction digits), or undefined when it can. */
export function precisionProblem(amount: string, currency: CurrencyCode): string | undefined {
  const allowed = minorUnitsOf(currency);
  if (fractionDigits(amount) <= allowed) return undefined;
  return allowed === 0
    ? `must be a whole number in ${currency}, which has no minor units`
    : `must have at most ${allowed} fraction digits in ${currency}`;
}

/** "1000.00" → "1000", "10.50" → "10.5": the same number, without the fraction's trailing zeros. */
function withoutTrailingZeros(amount: string): string {
  return amount.includes('.') ? amount.replace(/\.?0+$/, '') : amount;
}

/**
 * precisionProblem for a tolerant reader (a request from another service, an
 * event): fraction digits beyond the currency's are accepted when they are all
 * zeros, because the release before per-currency money wrote every amount with
 * two ("1000.00" JPY) and may still be running, or have written what is read
 * now. normaliseMoney drops them. Customer input keeps the strict rule.
 */
export function toleratedPrecisionProblem(amount: string, currency: CurrencyCode): string | undefined {
  return precisionProblem(withoutTrailingZeros(amount), currency);
}

/**
 * The JSON Schema form of precisionProblem, for an object with a `currency`
 * property: one if/then per group of currencies with the same minor units,
 * `at` placing the amount's pattern where the amount is (e.g. inside items).
 * Goes into the object's `.meta({ allOf })`, so every generated document says it.
 */
export function currencyPrecisionRules(kind: AmountKind, at: (pattern: { type: 'string'; pattern: string }) => object): object[] {
  return [...currenciesByMinorUnits()].map(([minorUnits, codes]) => ({
    if: { properties: { currency: { enum: codes } }, required: ['currency'] },
    then: at({ type: 'string', pattern: amountPattern(minorUnits, kind).source }),
  }));
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export function toMinorUnits(amount: string, currency: CurrencyCode): bigint {
  const match = DECIMAL.exec(amount);
  const problem = match ? precisionProblem(amount, currency) : 'is not a decimal string';
  if (!match || problem) throw new RangeError(`${JSON.stringify(amount)} ${problem} (as money)`);
  const exponent = minorUnitsOf(currency);
  return BigInt(match[1]!) * 10n ** BigInt(exponent) + BigInt((match[2] ?? '').padEnd(exponent, '0') || '0');
}

/** Formats minor units as a decimal string with exactly the currency's fraction digits ("1000" JPY, "1.230" KWD). */
export function fromMinorUnits(minor: bigint, currency: CurrencyCode): string {
  if (minor < 0n) throw new RangeError('money is never negative here');
  const exponent = minorUnitsOf(currency);
  if (exponent === 0) return minor.toString();
  const scale = 10n ** BigInt(exponent);
  return `${minor / scale}.${(minor % scale).toString().padStart(exponent, '0')}`;
}

/**
 * Normalises "49.9" EUR to "49.90", and the previous release's "1000.00" JPY to
 * "1000" (toleratedPrecisionProblem), so equal amounts compare equal as strings.
 */
export function normaliseMoney(amount: string, currency: CurrencyCode): string {
  return fromMinorUnits(toMinorUnits(withoutTrailingZeros(amount), currency), currency);
}

/**
 * The amount as written to a NUMERIC column while the previous release may still
 * run beside this one: at least two fraction digits ("1000.00" JPY, "49.90" EUR,
 * "1.234" KWD). The previous release reads the column as a string and compares it
 * with its own two-decimal form ("1000.00"), so a "1000" would be another charge
 * to it (409). Only this release trims on read (storedMoney). Once no replica of
 * the previous release runs, this can write normaliseMoney's form.
 */
export function storableMoney(amount: string, currency: CurrencyCode): string {
  const normalised = normaliseMoney(amount, currency);
  const [whole, fraction = ''] = normalised.split('.');
  return `${whole}.${fraction.padEnd(Math.max(2, minorUnitsOf(currency)), '0')}`;
}

/**
 * A NUMERIC read back from the database, with the currency's digits: trailing
 * zeros trimmed or padded, never a digit lost (a row written before amounts
 * were checked per currency, like a JPY "10.50", keeps its "10.5").
 */
export function storedMoney(stored: string, currency: CurrencyCode): string {
  const exponent = minorUnitsOf(currency);
  const [whole, fraction = ''] = stored.split('.');
  const significant = fraction.replace(/0+$/, '');
  const digits = significant.length > exponent ? significant : fraction.padEnd(exponent, '0').slice(0, exponent);
  return digits ? `${whole}.${digits}` : `${whole}`;
}

export function multiplyMoney(unitPrice: string, quantity: number, currency: CurrencyCode): string {
  if (!Number.isSafeInteger(quantity) || quantity < 0) throw new RangeError('quantity must be a whole number');
  return fromMinorUnits(toMinorUnits(unitPrice, currency) * BigInt(quantity), currency);
}

export function sumMoney(amounts: readonly string[], currency: CurrencyCode): string {
  return fromMinorUnits(amounts.reduce((total, amount) => total + toMinorUnits(amount, currency), 0n), currency);
}
