/**
 * PGlite keeps a parser per array type on each instance (~300 of them) and copies that whole map
 * into a fresh object for every query it answers: ~80 µs a query on the bench machine, a third of
 * a one-row select. For a type missing from the instance's map it falls back to one shared map,
 * so the array parsers move there, once per process, and the instance keeps none. What a query
 * returns stays the same (tested).
 */
import type { PGlite } from "@electric-sql/pglite";

/** The array types PGlite's own start-up gives parsers to: the array of each element type. */
const ARRAY_TYPES = `
  select b.oid::int as element, b.typarray::int as "array"
  from pg_catalog.pg_type a join pg_catalog.pg_type b on b.oid = a.typelem
  where a.typcategory = 'A'
  group by b.oid, b.typarray`;

export async function shareTypeParsers(pglite: PGlite): Promise<void> {
  const { types } = await import("@electric-sql/pglite");
  const { rows } = await pglite.query<{ element: number; array: number }>(ARRAY_TYPES);
  const shared = types.parsers;
  for (const { element, array } of rows) {
    // The element's parser is looked up when a value comes, as PGlite's own array parsers do.
    shared[array] ??= (value: string) => types.arrayParser(value, shared[element] as (x: string) => unknown, array);
  }
  pglite.parsers = {};
}
