/**
 * Idempotent consumers: a subscriber's effect and the record that it handled the event commit in
 * one transaction, so a redelivered event finds its id in the inbox and changes nothing.
 */
import type { ModuleEntityManager, ModuleOrm } from "../database.ts";
import type { EventEnvelope } from "./transport.ts";

/** Runs `effect` once per (event, consumer), in a transaction; returns false for a duplicate. */
export async function handleOnce(
  orm: ModuleOrm,
  schema: string,
  consumer: string,
  envelope: EventEnvelope,
  effect: (em: ModuleEntityManager) => Promise<void>,
): Promise<boolean> {
  return orm.em.fork().transactional(async (em) => {
    const inserted = await em
      .getConnection()
      .execute<{ event_id: string }[]>(
        `insert into "${schema}".inbox (event_id, consumer, handled_at) values (?, ?, now()) on conflict do nothing returning event_id`,
        [envelope.id, consumer],
        "all",
        em.getTransactionContext(),
      );
    if (inserted.length === 0) return false;
    await effect(em as ModuleEntityManager);
    return true;
  });
}
