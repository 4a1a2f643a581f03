/** Schemas every contract shares, so ids, money, timestamps and pages look the same everywhere. */
import Type, { type TSchema } from "typebox";

export const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

export const Uuid = Type.String({ pattern: UUID_PATTERN, description: "UUID in canonical 8-4-4-4-12 hex form" });

export const Timestamp = Type.String({ format: "date-time", description: "RFC 3339, UTC" });

export const Currency = Type.String({ pattern: "^[A-Z]{3}$", description: "ISO 4217 code" });

export const DEFAULT_LIMIT = 20;
export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_LIMIT });

export const Cursor = Type.String({ minLength: 1, maxLength: 512, description: "opaque; from a previous page" });

/** One page of a list, named `title` in the API's documents: `nextCursor` is null when no item follows. */
export const Page = <T extends TSchema>(item: T, title: string) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) }, { title });
