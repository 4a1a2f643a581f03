import { describe, expect, it } from "vitest";
import { toTsQuery } from "./search-query.ts";

describe("toTsQuery", () => {
  it("requires every word and treats the last as a prefix", () => {
    expect(toTsQuery("Dark choc")).toBe("dark & choc:*");
  });

  it("drops tsquery syntax so it cannot be injected", () => {
    expect(toTsQuery("a' | !b & (c):*")).toBe("a & b & c:*");
  });

  it("keeps letters of any script and digits", () => {
    expect(toTsQuery("Crème brûlée 70%")).toBe("crème & brûlée & 70:*");
  });

  it("is null when nothing searchable was typed", () => {
    expect(toTsQuery("  ?! ")).toBeNull();
  });
});
