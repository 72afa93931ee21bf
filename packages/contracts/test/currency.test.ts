import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CURRENCY_CODES, currencySchema, MAX_MINOR_UNITS, minorUnitsOf } from '../src/currency';
import { ISO_4217_MINOR_UNITS } from '../src/iso-4217';
import { validatePaymentConfirmed } from '../../../test-support/event-schema';

const ROOT = path.resolve(__dirname, '../../..');

const event = (amount: string, currency: string) => ({
  paymentId: '0b0d2f5a-8f5c-4c3e-9d1e-7b1f0c2a9e11',
  orderReference: 'ORD-ABC',
  amount,
  currency,
  paymentMethod: 'VISA',
  customer: { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  confirmedAt: '2026-11-25T10:00:00.000Z',
});

describe('the ISO 4217 table', () => {
  it('is what scripts/generate-currency-table.mjs writes from the committed List One', () => {
    expect(() => execFileSync(process.execPath, ['scripts/generate-currency-table.mjs', '--check'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  });

  it('knows each currency\'s minor units: JPY 0, EUR 2, KWD 3, UYW 4', () => {
    expect(minorUnitsOf('JPY')).toBe(0);
    expect(minorUnitsOf('KRW')).toBe(0);
    expect(minorUnitsOf('CLP')).toBe(0);
    expect(minorUnitsOf('EUR')).toBe(2);
    expect(minorUnitsOf('KWD')).toBe(3);
    expect(minorUnitsOf('BHD')).toBe(3);
    expect(minorUnitsOf('UYW')).toBe(4);
    expect(MAX_MINOR_UNITS).toBe(4);
  });

  it.each(['HRK', 'SLL', 'ZWL', 'VEF', 'LTL', 'XDR', 'XAU', 'XTS', 'ANG'])('refuses %s: withdrawn, or no money one charges', (code) => {
    expect(currencySchema.safeParse(code).success).toBe(false);
    expect(Object.keys(ISO_4217_MINOR_UNITS)).not.toContain(code);
  });

  it.each(['BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI'])('refuses the fund %s (IsFund in List One): no currency a customer pays in', (code) => {
    expect(currencySchema.safeParse(code).success).toBe(false);
  });

  it('accepts the codes that replaced them (EUR, SLE, ZWG) and XCG, added after the published list', () => {
    for (const code of ['EUR', 'SLE', 'ZWG', 'XCG', 'VES']) expect(currencySchema.safeParse(code).success).toBe(true);
    expect(CURRENCY_CODES.length).toBeGreaterThan(150);
  });
});

describe('the payment.confirmed JSON Schema, per currency', () => {
  it('refuses what the contract refuses: JPY "10.50", KRW "1.5", CLP "0.01", EUR "1.234", a withdrawn code', () => {
    for (const [amount, currency] of [['10.50', 'JPY'], ['1.5', 'KRW'], ['0.01', 'CLP'], ['1.234', 'EUR'], ['1.00', 'HRK']]) {
      expect(validatePaymentConfirmed(event(amount!, currency!))).not.toEqual([]);
    }
  });

  it('accepts KWD "1.234", JPY "1000" and UYW "0.0001"', () => {
    for (const [amount, currency] of [['1.234', 'KWD'], ['1000', 'JPY'], ['0.0001', 'UYW'], ['49.90', 'EUR']]) {
      expect(validatePaymentConfirmed(event(amount!, currency!))).toEqual([]);
    }
  });
});
