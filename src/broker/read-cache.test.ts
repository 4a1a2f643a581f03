import { describe, expect, it, vi } from "vitest";
import { defineContract, Type } from "./contract-kit.ts";
import { ReadCache } from "./read-cache.ts";

const Things = defineContract({
  name: "things",
  actions: {
    getThing: {
      params: Type.Object({ id: Type.String() }),
      result: Type.Object({ id: Type.String(), n: Type.Integer() }),
      access: "anyone",
      idempotent: true,
      cache: { key: "id", evictedBy: ["things.thing.changed"], changedBy: ["changeThing"] },
    },
    changeThing: { params: Type.Object({ id: Type.String() }), result: Type.Object({}), access: "admin", idempotent: true },
    listThings: { params: Type.Object({}), result: Type.Object({}), access: "anyone", idempotent: true },
  },
  events: { "things.thing.changed": Type.Object({ id: Type.String() }) },
});
const { getThing, changeThing, listThings } = Things.actions;
const cacheOf = (settings = { ttlS: 30, maxEntries: 100 }) => new ReadCache(Object.values(Things.actions), settings);

function fill(cache: ReadCache, id: string, n: number): void {
  const copy = cache.lookup(getThing, { id });
  if (copy.hit) throw new Error("expected a miss");
  copy.store({ id, n });
}

describe("ReadCache", () => {
  it("keeps answers of cacheable actions only, by their key, case-insensitively", () => {
    const cache = cacheOf();
    fill(cache, "A1", 1);
    expect(cache.lookup(getThing, { id: "a1" })).toEqual({ hit: true, value: { id: "A1", n: 1 } });
    expect(cache.lookup(listThings, {}).hit).toBe(false);
    expect(cache.events).toEqual(["things.thing.changed"]);
  });

  it("forgets an answer when a change goes through this node, or its event arrives", () => {
    const cache = cacheOf();
    fill(cache, "a", 1);
    fill(cache, "b", 2);
    cache.changed(changeThing, { id: "a" });
    cache.evict("things.thing.changed", { id: "b" });
    expect(cache.lookup(getThing, { id: "a" }).hit).toBe(false);
    expect(cache.lookup(getThing, { id: "b" }).hit).toBe(false);
  });

  it("does not store an answer fetched while an eviction happened: it may predate the change", () => {
    const cache = cacheOf();
    const copy = cache.lookup(getThing, { id: "a" });
    cache.evict("things.thing.changed", { id: "a" });
    if (!copy.hit) copy.store({ id: "a", n: 1 });
    expect(cache.lookup(getThing, { id: "a" }).hit).toBe(false);
  });

  it("lets answers expire, keeps a bounded number, and forgets everything after a gap", () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const cache = cacheOf({ ttlS: 10, maxEntries: 2 });
      fill(cache, "a", 1);
      vi.setSystemTime(11_000);
      expect(cache.lookup(getThing, { id: "a" }).hit).toBe(false);
      for (const id of ["b", "c", "d"]) fill(cache, id, 1);
      expect(["b", "c", "d"].map((id) => cache.lookup(getThing, { id }).hit)).toEqual([false, true, true]);
      cache.clear();
      expect(cache.lookup(getThing, { id: "d" }).hit).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
