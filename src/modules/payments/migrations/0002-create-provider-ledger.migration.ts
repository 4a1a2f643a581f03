import { Migration } from "@mikro-orm/migrations";

/** The simulated provider's own books: what it answered for each idempotency key. */
export class CreateProviderLedger extends Migration {
  override up(): void {
    this.addSql(`
      create table simulated_provider_ledger (
        idempotency_key uuid not null,
        kind varchar(8) not null check (kind in ('charge', 'refund')),
        outcome varchar(16) not null,
        recorded_at timestamptz(3) not null default now(),
        primary key (idempotency_key, kind)
      )`);
  }
}
