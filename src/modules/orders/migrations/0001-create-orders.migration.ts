import { Migration } from "@mikro-orm/migrations";

export class CreateOrders extends Migration {
  override up(): void {
    this.addSql(`
      create table orders (
        id uuid primary key,
        user_id uuid not null,
        status varchar(20) not null check (status in ('pending', 'awaiting_payment', 'paid', 'cancelled', 'rejected')),
        items jsonb not null,
        total_cents bigint not null,
        currency char(3) not null,
        idempotency_key varchar(255),
        request_hash char(64),
        cancel_reason varchar(32),
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null
      )`);
    // One order per (user, key): two concurrent requests with one key create one order.
    this.addSql("create unique index orders_idempotency_key on orders (user_id, idempotency_key) where idempotency_key is not null");
    this.addSql("create index orders_by_user_idx on orders (user_id, created_at desc, id desc)");
    this.addSql("create index orders_listing_idx on orders (created_at desc, id desc)");
    this.addSql("create index orders_pending_idx on orders (created_at) where status = 'pending'");
  }
}
