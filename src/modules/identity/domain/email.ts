/** Emails are trimmed and lower-cased before they are stored or compared. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

const SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** True when the normalized email fits the API's rule: local@domain.tld, at most 254 characters. */
export function isAcceptableEmail(email: string): boolean {
  return [...email].length <= 254 && SHAPE.test(email);
}
