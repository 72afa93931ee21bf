import { z } from 'zod';

// ISO 4217 codes as known to the ICU data that ships with Node.js. Historic codes
// are in ICU's list too; accepting them is harmless, rejecting real ones is not.
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

const CURRENCY_PATTERN = /^[A-Z]{3}$/;

export const currencySchema = z
  .string()
  .regex(CURRENCY_PATTERN, 'must be a three-letter ISO 4217 code in capitals, like "EUR"')
  // A value the pattern refused is reported once, by the pattern.
  .refine((code) => !CURRENCY_PATTERN.test(code) || KNOWN_CURRENCIES.has(code), {
    message: 'is not an ISO 4217 currency code',
  });
