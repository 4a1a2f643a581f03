import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { yieldBeforeEachCall } from "./embedded-yield.ts";

const pglite = await PGlite.create();
afterAll(() => pglite.close());

/** Ten callers each run their queries back to back; how many were answered before the event loop got a turn? */
async function answeredBeforeTheLoopTurns(): Promise<number> {
  let answered = 0;
  let whenTheLoopTurned = Infinity;
  setImmediate(() => (whenTheLoopTurned = answered));
  await Promise.all(Array.from({ length: 10 }, async () => {
    for (let i = 0; i < 20; i++) {
      await pglite.query("select $1::int as i", [i]);
      answered++;
    }
  }));
  return whenTheLoopTurned;
}

describe("the embedded database, sharing the event loop", () => {
  it("lets the event loop take I/O between queries", async () => {
    yieldBeforeEachCall(pglite);
    expect(await answeredBeforeTheLoopTurns()).toBeLessThan(10);
    const { rows } = await pglite.query<{ n: number }>("select 2 as n");
    expect(rows).toEqual([{ n: 2 }]);
    expect(await pglite.transaction(async (tx) => (await tx.query<{ n: number }>("select 3 as n")).rows)).toEqual([{ n: 3 }]);
  });
});
