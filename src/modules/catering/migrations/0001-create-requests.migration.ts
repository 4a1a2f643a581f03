import { Migration } from "@mikro-orm/migrations";

export class CreateRequests extends Migration {
  override up(): void {
    this.addSql(`
      create table requests (
        id uuid primary key,
        user_id uuid not null,
        status varchar(16) not null check (status in ('requested', 'confirmed', 'declined', 'cancelled', 'fulfilled')),
        event_date date not null,
        guests integer not null,
        items jsonb not null,
        subtotal_cents bigint not null,
        discount_percent integer not null,
        discount_cents bigint not null,
        total_cents bigint not null,
        currency varchar(3) not null,
        notes text not null,
        decline_reason text,
        stock_move varchar(8) check (stock_move in ('release', 'sell')),
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null
      )`);
    this.addSql("create index requests_user_newest_idx on requests (user_id, created_at desc, id desc)");
    this.addSql("create index requests_newest_idx on requests (created_at desc, id desc)");
    this.addSql("create index requests_stock_move_idx on requests (updated_at) where stock_move is not null");
  }
}
