import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, newestFirstKey, olderThan, toPage } from "./pagination.ts";

const anyPart = () => true;

describe("cursors", () => {
  it("round-trip the sort key", () => {
    expect(decodeCursor(encodeCursor(["2026-01-01T00:00:00.000Z", "id"]), 2, anyPart)).toEqual(["2026-01-01T00:00:00.000Z", "id"]);
  });

  it.each(["garbage!", encodeCursor(["only-one"]), Buffer.from('{"a":1}').toString("base64url"), `${encodeCursor(["a", "b"])}=`])(
    "refuse %s, which was not issued for this list",
    (cursor) => {
      expect(() => decodeCursor(cursor, 2, anyPart)).toThrow(
        expect.objectContaining({ type: "validation_failed", data: { errors: [{ path: "/cursor", message: "is not a cursor issued by this server" }] } }),
      );
    },
  );

  it("refuse parts that fail the list's own check", () => {
    expect(() => decodeCursor(encodeCursor(["not a date", "x"]), 2, (part, i) => i > 0 || !Number.isNaN(Date.parse(part)))).toThrow();
  });
});

describe("toPage", () => {
  const rows = [1, 2, 3];
  it("gives a cursor only when more rows follow", () => {
    expect(toPage(rows, 2, String, (n) => [String(n)])).toEqual({ items: ["1", "2"], nextCursor: encodeCursor(["2"]) });
    expect(toPage(rows, 3, String, (n) => [String(n)])).toEqual({ items: ["1", "2", "3"], nextCursor: null });
  });
});

describe("newest-first keysets", () => {
  const row = { createdAt: new Date("2026-11-25T10:00:00.123Z"), id: "0b6f5c1e-8f7e-4c36-9d0e-1c2b3a4d5e6f" };

  it("continue strictly after the last row served", () => {
    const cursor = encodeCursor(newestFirstKey(row));
    expect(olderThan(cursor)).toEqual({ $or: [{ createdAt: { $lt: row.createdAt } }, { createdAt: row.createdAt, id: { $lt: row.id } }] });
  });

  it.each([["-200000-01-01T00:00:00.000Z", row.id], ["2030", row.id], [row.createdAt.toISOString(), "not-an-id"]])("refuse a key we never write: %s", (...key) => {
    expect(() => olderThan(encodeCursor(key))).toThrow();
  });
});
