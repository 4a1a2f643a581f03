/** Staging an event: an outbox row in the caller's unit of work, committed with its changes. */
import { randomUUID } from "node:crypto";
import type { EventRef, Static } from "../contract-kit.ts";
import type { ModuleEntityManager } from "../database.ts";
import type { eventEntities } from "./event-tables.ts";
import { currentTraceParent } from "./trace-context.ts";

export type Publish = <E extends EventRef>(event: E, payload: Static<E["payload"]>) => void;

/** An event as staged in the outbox. */
export interface StagedEvent {
  id: string;
  name: string;
  payload: unknown;
  requestId: string | null;
  occurredAt: Date;
  traceParent?: string;
}

/**
 * A row is born claimed by the process that commits it, which hands it to its relay right after
 * the commit; should that process die first, any instance's relay takes the row once this lapses.
 */
export const BORN_CLAIMED_MS = 10_000;

/**
 * Stages events in `em`'s unit of work and lists them in `staged`, which its owner hands to the
 * relay once the unit has committed (and drops if it did not): a read, or a write without events,
 * costs the outbox nothing.
 */
export function publisherFor(em: ModuleEntityManager, outbox: ReturnType<typeof eventEntities>["Outbox"], requestId: string | null, staged: StagedEvent[]): Publish {
  return (event, payload) => {
    const row: StagedEvent = { id: randomUUID(), name: event.name, payload, requestId, occurredAt: new Date(), traceParent: currentTraceParent() };
    em.create(outbox, { ...row, traceParent: row.traceParent ?? null, attempts: 0, claimedUntil: new Date(row.occurredAt.getTime() + BORN_CLAIMED_MS) });
    staged.push(row);
  };
}
