import { Migration } from "@mikro-orm/migrations";

export class CreatePayments extends Migration {
  override up(): void {
    this.addSql(`
      create table payments (
        id uuid primary key,
        order_id uuid not null unique,
        user_id uuid not null,
        amount_cents bigint not null check (amount_cents >= 0),
        currency char(3) not null,
        payment_token varchar(64) not null,
        status varchar(16) not null check (status in ('pending', 'captured', 'declined', 'refunding', 'refunded', 'voided')),
        attempts integer not null,
        next_attempt_at timestamptz(3) not null,
        last_error text,
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null
      )`);
    this.addSql("create index payments_due_idx on payments (next_attempt_at) where status in ('pending', 'refunding')");
  }
}
