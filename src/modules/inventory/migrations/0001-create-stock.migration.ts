import { Migration } from "@mikro-orm/migrations";

export class CreateStock extends Migration {
  override up(): void {
    this.addSql(`
      create table stock (
        product_id uuid primary key,
        available integer not null check (available >= 0),
        reserved integer not null check (reserved >= 0),
        sold integer not null check (sold >= 0),
        updated_at timestamptz(3) not null
      )`);
    this.addSql(`
      create table reservations (
        order_id uuid primary key,
        status varchar(16) not null check (status in ('held', 'committed', 'released')),
        lines jsonb not null,
        expires_at timestamptz(3) not null,
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null
      )`);
    this.addSql("create index reservations_expiry_idx on reservations (expires_at) where status = 'held'");
  }
}
