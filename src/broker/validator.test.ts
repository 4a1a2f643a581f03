import Type from "typebox";
import { describe, expect, it } from "vitest";
import { compileCheck } from "./validator.ts";

const Order = Type.Object(
  {
    items: Type.Array(Type.Object({ quantity: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })),
    "a/b": Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

describe("compileCheck", () => {
  const check = compileCheck(Order);

  it("accepts valid data", () => {
    expect(check({ items: [{ quantity: 2 }] })).toBeNull();
  });

  it("points at each offending field with a JSON Pointer", () => {
    expect(check({ items: [{ quantity: 0 }, { quantity: 1, extra: true }], "a/b": 1 })).toEqual([
      { path: "/items/0/quantity", message: "must be at least 1" },
      { path: "/items/1/extra", message: "is not an allowed property" },
      { path: "/a~1b", message: "must be a string" },
    ]);
    expect(check({})).toEqual([{ path: "/items", message: "is required" }]);
  });

  it("never coerces JSON values", () => {
    for (const quantity of ["5", null, true, [5]]) expect(check({ items: [{ quantity }] })).not.toBeNull();
  });

  it("parses query strings when asked, with a path prefix", () => {
    const query = compileCheck(Type.Object({ limit: Type.Integer({ maximum: 100 }) }), { coerce: true, pathPrefix: "/query" });
    expect(query({ limit: "5" })).toBeNull();
    expect(query({ limit: "500" })).toEqual([{ path: "/query/limit", message: "must be at most 100" }]);
    for (const limit of ["1e1", " 5", "5.0", "0x5", "05"]) expect(query({ limit })).toEqual([{ path: "/query/limit", message: "must be an integer" }]);
  });

  it("refuses strings PostgreSQL cannot store faithfully", () => {
    expect(check({ items: [], "a/b": "x\u0000y" })).toEqual([{ path: "/a~1b", message: "contains a NUL character or an unpaired surrogate" }]);
    expect(check({ items: [], "a/b": "a\ud800b" })).toHaveLength(1);
    expect(check({ items: [], "a/b": "😀 ok" })).toBeNull();
  });

  it("counts string lengths in code points", () => {
    const name = compileCheck(Type.String({ maxLength: 2 }));
    expect(name("😀😀")).toBeNull();
    expect(name("😀😀😀")).not.toBeNull();
  });
});
