/**
 * Idempotent consumers: a subscriber's effect and the record that it handled the event commit in
 * one transaction, so a redelivered event finds its id in the inbox and changes nothing. Events that
 * arrive together are handled in one transaction (one inbox insert for all of them); should that
 * fail, each is handled again alone, so one bad event never holds the others back.
 */
import type { ModuleEntityManager, ModuleOrm } from "../database.ts";
import { defenceOff } from "../defences.ts";
import type { StagedEvent } from "./publisher.ts";
import type { EventEnvelope } from "./transport.ts";

const DEDUPE_OFF = defenceOff("inbox-dedupe");

/**
 * A subscriber's effect on the events of a batch not handled before, in arrival order: `staged`
 * lists the events it publishes, for the relay once committed.
 */
export type Effect = (fresh: EventEnvelope[], em: ModuleEntityManager, staged: StagedEvent[]) => Promise<void>;

export interface BatchOutcome {
  /** Per event, in order: true when its effect ran, false for a duplicate, or the error its effect failed with. */
  results: (boolean | Error)[];
  /** What the committed effects published. */
  staged: StagedEvent[];
}

/** Handles the batch, each event once per consumer. */
export async function handleBatch(orm: ModuleOrm, schema: string, consumer: string, envelopes: EventEnvelope[], effect: Effect): Promise<BatchOutcome> {
  const staged: StagedEvent[] = [];
  try {
    const results = await orm.em.fork().transactional(async (em) => {
      const values = envelopes.map(() => "(?, ?, now())").join(", ");
      const inserted = await em
        .getConnection()
        .execute<{ event_id: string }[]>(
          `insert into "${schema}".inbox (event_id, consumer, handled_at) values ${values} on conflict do nothing returning event_id`,
          envelopes.flatMap((envelope) => [envelope.id, consumer]),
          "all",
          em.getTransactionContext(),
        );
      const unseen = new Set(inserted.map((row) => row.event_id));
      // The same event twice in one batch runs once, like any duplicate.
      const results = envelopes.map((envelope) => unseen.delete(envelope.id) || DEDUPE_OFF);
      await effect(envelopes.filter((_, i) => results[i]), em as ModuleEntityManager, staged);
      return results;
    });
    return { results, staged };
  } catch (error) {
    if (envelopes.length === 1) return { results: [error instanceof Error ? error : new Error(String(error))], staged: [] };
    const outcome: BatchOutcome = { results: [], staged: [] };
    for (const envelope of envelopes) {
      const alone = await handleBatch(orm, schema, consumer, [envelope], effect);
      outcome.results.push(alone.results[0] as boolean | Error);
      outcome.staged.push(...alone.staged);
    }
    return outcome;
  }
}
