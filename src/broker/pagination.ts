/**
 * Opaque keyset cursors. A cursor carries the sort key of the last item served; anything that does
 * not decode to the expected shape was not issued by us and is a validation error.
 */
import { validationFailed } from "./errors.ts";
import { UUID_PATTERN } from "./schemas.ts";

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** Decodes a cursor made by `encodeCursor` with `arity` parts, each checked by `isValid`. */
export function decodeCursor(cursor: string, arity: number, isValid: (part: string, index: number) => boolean): string[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parts = undefined;
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== arity ||
    encodeCursor(parts) !== cursor ||
    !parts.every((part, index) => typeof part === "string" && isValid(part, index))
  ) {
    throw validationFailed([{ path: "/cursor", message: "is not a cursor issued by this server" }]);
  }
  return parts as string[];
}

/** Splits one over-fetched row list (limit + 1 rows) into a page. */
export function toPage<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, keyOf: (row: Row) => string[]) {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toItem),
    nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

const UUID = new RegExp(UUID_PATTERN);
/** Only what `newestFirstKey` writes: an ISO timestamp of ours (so within PostgreSQL's range) and an id. */
const isNewestFirstPart = (part: string, index: number) =>
  index === 0 ? /^2\d{3}-/.test(part) && !Number.isNaN(Date.parse(part)) && new Date(part).toISOString() === part : UUID.test(part);

/** The sort key of lists ordered newest first: (createdAt desc, id desc). */
export const newestFirstKey = (row: { createdAt: Date | string; id: string }) => [typeof row.createdAt === "string" ? row.createdAt : row.createdAt.toISOString(), row.id];

/** The sort key a newest-first cursor carries. */
export function newestFirstCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = decodeCursor(cursor, 2, isNewestFirstPart) as [string, string];
  return { createdAt, id };
}

/** The filter for the rows after `cursor` in newest-first order (a keyset, so pages never shift). */
export function olderThan(cursor: string) {
  const { createdAt, id } = newestFirstCursor(cursor);
  const after = new Date(createdAt);
  return { $or: [{ createdAt: { $lt: after } }, { createdAt: after, id: { $lt: id } }] };
}
