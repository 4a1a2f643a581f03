/** The simulated provider's books, in a table of their own: they outlive a worker that dies, as a real provider's would. */
import type { ModuleSql } from "../../../broker/module-sql.ts";
import { statement } from "../../../broker/module-sql.ts";
import type { ProviderLedger } from "./simulated-provider.ts";

/** The first outcome recorded for the key wins; the no-op update makes a repeat return it. */
const RECORD = statement(
  "payments_provider_record",
  `insert into payments.simulated_provider_ledger (idempotency_key, kind, outcome) values ($1, $2, $3)
   on conflict (idempotency_key, kind) do update set outcome = simulated_provider_ledger.outcome
   returning outcome`,
);

export function providerLedger(db: ModuleSql): ProviderLedger {
  return {
    async record(key, kind, outcome) {
      const [row] = await db.query<{ outcome: string }>(RECORD, [key, kind, outcome]);
      return (row as { outcome: string }).outcome;
    },
  };
}
