import { Migration } from "@mikro-orm/migrations";

export class CreateProducts extends Migration {
  override up(): void {
    this.addSql(`
      create table products (
        id uuid primary key,
        sku varchar(64) not null,
        name varchar(200) not null,
        description text not null,
        price_cents integer not null check (price_cents >= 0),
        currency char(3) not null,
        category varchar(64),
        active boolean not null,
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null,
        search tsvector generated always as (to_tsvector('simple', name || ' ' || description)) stored
      )`);
    // SKUs are unique case-insensitively, and never reused: deactivation keeps the row.
    this.addSql("create unique index products_sku_key on products (lower(sku))");
    this.addSql("create index products_search_idx on products using gin (search)");
    this.addSql("create index products_listing_idx on products (created_at desc, id desc) where active");
    this.addSql("create index products_category_idx on products (category, created_at desc, id desc) where active");
  }
}
