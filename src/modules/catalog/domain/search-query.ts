/**
 * Turns what a shopper typed into a PostgreSQL tsquery: every word must match, the last one as a
 * prefix ("choc" finds "Chocolate"). Only letters and digits reach the query, so its syntax
 * characters can never be injected. Null when nothing searchable was typed.
 */
export function toTsQuery(text: string): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu);
  if (!words) return null;
  return words.map((word, index) => (index === words.length - 1 ? `${word}:*` : word)).join(" & ");
}
