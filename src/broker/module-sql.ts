/**
 * Plain SQL on a module's own connections, for the paths where a unit of work buys nothing: reads,
 * and changes that are one statement. No entity is built, statements are prepared once per
 * connection on PostgreSQL, and a change can stage its event in the same statement, so a change
 * and its event cost one round trip and one commit.
 */
import { randomUUID } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import type { EventRef, Static } from "./contract-kit.ts";
import type { DatabaseTarget, ModuleOrm } from "./database.ts";
import { BORN_CLAIMED_MS, type StagedEvent } from "./events/publisher.ts";
import { currentTraceParent } from "./events/trace-context.ts";

/** One SQL statement with `$1`-style parameters, named so PostgreSQL parses and plans it once per connection. */
export interface Statement {
  name: string;
  text: string;
}

const statements = new Map<string, string>();

/** Declares a statement; names are unique in the process (PostgreSQL keys prepared statements by name). */
export function statement(name: string, text: string): Statement {
  const known = statements.get(name);
  if (known !== undefined && known !== text) throw new Error(`two statements are named ${name}`);
  statements.set(name, text);
  return { name, text };
}

/** `column` as the RFC 3339 UTC text the contracts use, formatted by the database. */
export const isoTimestamp = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Whether a statement failed on a unique constraint (PostgreSQL's SQLSTATE 23505). */
export const isUniqueViolation = (error: unknown) => (error as { code?: unknown })?.code === "23505";

export interface ModuleSql {
  /** The rows of one statement, run on its own (it commits by itself). */
  query<R extends object>(statement: Statement, params: unknown[]): Promise<R[]>;
  /**
   * Runs `statement`, which changes rows and returns them, and stages `event` in the same
   * statement when it returned any: the change and its event commit together or not at all.
   * The event goes to the relay once the statement has committed.
   */
  publishing<R extends object, E extends EventRef>(statement: Statement, params: unknown[], event: E, payload: Static<E["payload"]>, requestId: string | null): Promise<R[]>;
}

type Run = (statement: Statement, params: unknown[]) => Promise<object[]>;

/** `handOff` receives the events that publishing statements committed. */
export async function moduleSql(orm: ModuleOrm, target: DatabaseTarget, schema: string, handOff: (events: StagedEvent[]) => void): Promise<ModuleSql> {
  const run = await runner(orm, target);
  const withEvent = new Map<string, Statement>();
  return {
    query: run as ModuleSql["query"],
    async publishing(change, params, event, payload, requestId) {
      let wrapped = withEvent.get(change.name);
      if (!wrapped) {
        const n = params.length;
        wrapped = statement(
          `${change.name}__publishing`,
          `with changed as (${change.text}),
           staged as (insert into "${schema}".outbox (id, name, payload, request_id, occurred_at, attempts, claimed_until, trace_parent)
                      select $${n + 1}::uuid, $${n + 2}, $${n + 3}::jsonb, $${n + 4}, $${n + 5}::timestamptz, 0, $${n + 6}::timestamptz, $${n + 7}
                      where exists (select 1 from changed))
           select * from changed`,
        );
        withEvent.set(change.name, wrapped);
      }
      const staged: StagedEvent = { id: randomUUID(), name: event.name, payload, requestId, occurredAt: new Date(), traceParent: currentTraceParent() };
      const claimedUntil = new Date(staged.occurredAt.getTime() + BORN_CLAIMED_MS);
      const rows = await run(wrapped, [...params, staged.id, staged.name, JSON.stringify(staged.payload), staged.requestId, staged.occurredAt.toISOString(), claimedUntil.toISOString(), staged.traceParent ?? null]);
      if (rows.length > 0) handOff([staged]);
      return rows as never;
    },
  };
}

async function runner(orm: ModuleOrm, target: DatabaseTarget): Promise<Run> {
  if (target.kind === "embedded") {
    const pglite: PGlite = target.pglite;
    // PGlite runs a query after any open transaction, never inside it, as a second connection would.
    return async (st, params) => (await pglite.query(st.text, params)).rows as object[];
  }
  const pool = (await orm.em.getConnection().getNativeClient()) as pg.Pool;
  return async (st, params) => (await pool.query({ name: st.name, text: st.text, values: params })).rows;
}
