import { z } from 'zod';
import { ISO_4217_MINOR_UNITS } from './iso-4217';

export type CurrencyCode = keyof typeof ISO_4217_MINOR_UNITS;
/** The fraction digits an amount may have: 0 (JPY), 2 (EUR), 3 (KWD) or 4 (UYW). */
export type MinorUnits = (typeof ISO_4217_MINOR_UNITS)[CurrencyCode];

/** The active ISO 4217 codes (iso-4217.ts, generated from the agency's list): withdrawn codes are refused. */
export const CURRENCY_CODES = Object.keys(ISO_4217_MINOR_UNITS).sort() as [CurrencyCode, ...CurrencyCode[]];

// An enum rather than a check in code, so the JSON Schema and OpenAPI documents list them.
export const currencySchema = z.enum(CURRENCY_CODES, {
  error: () => 'is not an active ISO 4217 currency code (three capital letters, like "EUR")',
});

/** True for an active code in the table; a stored code may since have been withdrawn (HRK) or never been one. */
export function isCurrencyCode(code: string): code is CurrencyCode {
  return Object.hasOwn(ISO_4217_MINOR_UNITS, code);
}

export function minorUnitsOf(currency: CurrencyCode): MinorUnits {
  return ISO_4217_MINOR_UNITS[currency];
}

/** The most fraction digits any currency has (4: UYW): what the database columns hold. */
export const MAX_MINOR_UNITS = Math.max(...Object.values(ISO_4217_MINOR_UNITS)) as MinorUnits;

/** The codes grouped by their minor units, e.g. 0 → [JPY, KRW, ...]: one JSON Schema rule per group. */
export function currenciesByMinorUnits(): Map<MinorUnits, CurrencyCode[]> {
  const groups = new Map<MinorUnits, CurrencyCode[]>();
  for (const code of CURRENCY_CODES) groups.set(minorUnitsOf(code), [...(groups.get(minorUnitsOf(code)) ?? []), code]);
  return new Map([...groups.entries()].sort(([a], [b]) => a - b));
}
