import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { shareTypeParsers } from "./embedded-parsers.ts";

const VALUES = `select 'text'::text as text, 7::int4 as int, 9007199254740993::int8 as big, 1.5::float8 as float, true as bool,
  '2026-12-03T10:00:00Z'::timestamptz as at, '{"a":[1]}'::jsonb as json, '\\x0102'::bytea as bytes,
  array['a', 'b,c', null]::text[] as texts, array[1, 2]::int4[] as ints, array[[1, 2], [3, 4]]::int4[] as grid,
  array['2026-12-03T10:00:00Z']::timestamptz[] as ats, array[gen_random_uuid()]::uuid[] as ids, array[true, false] as bools,
  array['{"a":1}']::jsonb[] as jsons, array['1.5']::numeric[] as numerics, '{}'::varchar[] as empty`;

const opened: PGlite[] = [];
afterAll(() => Promise.all(opened.map((pglite) => pglite.close())));

async function open(): Promise<PGlite> {
  const pglite = await PGlite.create();
  opened.push(pglite);
  return pglite;
}

describe("PGlite's type parsers, shared", () => {
  it("parse every kind of value as PGlite's own do, arrays included", async () => {
    const own = await open();
    const shared = await open();
    await shareTypeParsers(shared);
    expect(Object.keys(shared.parsers)).toEqual([]);
    const [expected] = (await own.query<Record<string, unknown>>(VALUES)).rows;
    const [actual] = (await shared.query<Record<string, unknown>>(VALUES)).rows;
    const { ids: expectedIds, ...expectedRest } = expected as Record<string, unknown>;
    const { ids: actualIds, ...actualRest } = actual as Record<string, unknown>;
    expect(actualRest).toEqual(expectedRest);
    expect(actualRest.grid).toEqual([[1, 2], [3, 4]]);
    expect(actualRest.texts).toEqual(["a", "b,c", null]);
    // Random per query, so compared by shape: an array of one UUID string, as PGlite gives.
    expect(Array.isArray(expectedIds) && Array.isArray(actualIds) && actualIds.length === 1 && typeof actualIds[0] === "string").toBe(true);
  });
});
