/** Staging an event: an outbox row in the caller's unit of work, committed with its changes. */
import { randomUUID } from "node:crypto";
import type { EventRef, Static } from "../contract-kit.ts";
import type { ModuleEntityManager } from "../database.ts";
import type { eventEntities } from "./event-tables.ts";

export type Publish = <E extends EventRef>(event: E, payload: Static<E["payload"]>) => void;

/**
 * `onStaged` is told when a row is staged, so that the relay is woken after the commit only when
 * there is something to relay: a read, or a write without events, costs the outbox nothing.
 */
export function publisherFor(em: ModuleEntityManager, outbox: ReturnType<typeof eventEntities>["Outbox"], requestId: string | null, onStaged: () => void): Publish {
  return (event, payload) => {
    em.create(outbox, { id: randomUUID(), name: event.name, payload, requestId, occurredAt: new Date(), attempts: 0 });
    onStaged();
  };
}
