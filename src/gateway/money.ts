/**
 * Money as a decimal string with exactly its currency's ISO 4217 minor-unit digits ("12.34" EUR,
 * "1200" JPY, "1.250" BHD), the way API v2 writes it; the modules keep integer minor units.
 */
import { validationFailed } from "../broker/errors.ts";

/** ISO 4217's currencies whose minor unit is not 2 digits; any other code (listed or not) has 2. */
const MINOR_DIGITS: Record<string, number> = {
  ...Object.fromEntries(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"].map((code) => [code, 0])),
  ...Object.fromEntries(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"].map((code) => [code, 3])),
  CLF: 4,
  UYW: 4,
};

/** The same bound as v1's `priceCents`, in minor units of any currency. */
export const MAX_MINOR_UNITS = 100_000_000;

/** Digits, no sign or exponent, one `0` at most before the point; the count of decimals is checked per currency. */
export const AMOUNT_PATTERN = "^(0|[1-9][0-9]*)(\\.[0-9]+)?$";

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/** 1234 EUR → "12.34"; 1200 JPY → "1200"; 0 EUR → "0.00". */
export function toAmount(minorUnits: number, currency: string): string {
  const digits = minorDigits(currency);
  if (digits === 0) return String(minorUnits);
  const padded = String(minorUnits).padStart(digits + 1, "0");
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/**
 * "12.34" EUR → 1234. An amount with another number of decimals than its currency has, or above
 * MAX_MINOR_UNITS, is a validation failure at `path`; its shape is AMOUNT_PATTERN's, checked before.
 */
export function fromAmount(amount: string, currency: string, path: string): number {
  const digits = minorDigits(currency);
  const [whole = "", decimals = ""] = amount.split(".");
  if (decimals.length !== digits) {
    throw validationFailed([{ path, message: digits === 0 ? `must be a whole number: ${currency} has no minor unit` : `must have exactly ${digits} decimals for ${currency}` }]);
  }
  // Compared as digits first: a string too long for a safe integer is above the bound anyway.
  const minorUnits = whole.length + digits > 12 ? Number.POSITIVE_INFINITY : Number(whole + decimals);
  if (minorUnits > MAX_MINOR_UNITS) throw validationFailed([{ path, message: `must be at most ${toAmount(MAX_MINOR_UNITS, currency)}` }]);
  return minorUnits;
}
