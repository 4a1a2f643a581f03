import { describe, expect, it } from "vitest";
import { batcher } from "./batcher.ts";

describe("batcher", () => {
  it("handles an item alone and at once when nothing else is under way", async () => {
    const batches: number[][] = [];
    const double = batcher(async (items: number[]) => {
      batches.push(items);
      return items.map((n) => n * 2);
    }, 10);
    expect(await double(1)).toBe(2);
    expect(batches).toEqual([[1]]);
  });

  it("gathers what arrives during a batch into the next one, up to its size", async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handle = batcher(async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items;
    }, 3);
    const answers = [1, 2, 3, 4, 5, 6].map((n) => handle(n));
    release();
    expect(await Promise.all(answers)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it("fails only the items whose answer is an error, and a whole batch when the handler throws", async () => {
    const handle = batcher(async (items: number[]) => {
      if (items.includes(99)) throw new Error("batch failed");
      return items.map((n) => (n < 0 ? new Error(`bad ${n}`) : n));
    }, 10);
    const [good, bad] = await Promise.allSettled([handle(1), handle(-1)]);
    expect(good).toEqual({ status: "fulfilled", value: 1 });
    expect(bad).toMatchObject({ status: "rejected", reason: { message: "bad -1" } });
    await expect(handle(99)).rejects.toThrow("batch failed");
  });
});
