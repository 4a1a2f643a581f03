import { Migration } from "@mikro-orm/migrations";

/**
 * Holds: units kept for another module's own purposes (catering's confirmed events) under an id of
 * its choosing, with no expiry: they stay reserved until the holder sells or releases them.
 */
export class CreateHolds extends Migration {
  override up(): void {
    this.addSql(`
      create table holds (
        hold_id uuid primary key,
        status varchar(16) not null check (status in ('held', 'sold', 'released')),
        lines jsonb not null,
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null
      )`);
  }
}
