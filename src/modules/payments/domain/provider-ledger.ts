/**
 * The simulated provider's books, in a table of their own: they outlive a worker that dies, as a
 * real provider's would. Answers that arrive together (a settle round charges up to 100 payments
 * at once) are written down in one statement.
 */
import { batcher } from "../../../broker/batcher.ts";
import type { ModuleSql } from "../../../broker/module-sql.ts";
import { statement } from "../../../broker/module-sql.ts";
import type { ProviderLedger } from "./simulated-provider.ts";

/** The first outcome recorded for a key wins; the no-op update makes a repeat return it. */
const RECORD = statement(
  "payments_provider_record_many",
  `insert into payments.simulated_provider_ledger (idempotency_key, kind, outcome)
   select * from unnest($1::uuid[], $2::varchar[], $3::varchar[])
   on conflict (idempotency_key, kind) do update set outcome = simulated_provider_ledger.outcome
   returning idempotency_key::text as key, kind, outcome`,
);

type Entry = { key: string; kind: "charge" | "refund"; outcome: string };

const entryKey = ({ key, kind }: { key: string; kind: string }) => `${kind} ${key.toLowerCase()}`;

export function providerLedger(db: ModuleSql): ProviderLedger {
  const record = batcher(async (entries: Entry[]) => {
    // One row per key and kind, the first asked: a statement may not update the same row twice.
    const distinct = [...new Map(entries.toReversed().map((entry) => [entryKey(entry), entry])).values()];
    const rows = await db.query<Entry>(RECORD, [distinct.map((e) => e.key), distinct.map((e) => e.kind), distinct.map((e) => e.outcome)]);
    const kept = new Map(rows.map((row) => [entryKey(row), row.outcome]));
    return entries.map((entry) => kept.get(entryKey(entry)) ?? new Error(`the ledger kept no outcome for ${entryKey(entry)}`));
  }, 100);
  return { record: (key, kind, outcome) => record({ key, kind, outcome }) };
}
