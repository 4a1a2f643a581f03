import { Migration } from "@mikro-orm/migrations";

/**
 * reserve_stock (0002) as before, but a reservation that cannot be held names every short line's
 * product, not only the first: the exception's DETAIL is their ids, comma-separated, so the
 * customer learns in one answer which lines to change.
 */
export class NameEveryShortLine extends Migration {
  override up(): void {
    this.addSql(`
      create or replace function inventory.reserve_stock(p_order uuid, p_lines jsonb, p_expires timestamptz) returns text
      language plpgsql as $$
      declare
        line record;
        existing text;
        short uuid[] := '{}';
      begin
        insert into inventory.reservations (order_id, status, lines, expires_at, created_at, updated_at)
        values (p_order, 'held', p_lines, p_expires, now(), now())
        on conflict (order_id) do nothing;
        if not found then
          select status into existing from inventory.reservations where order_id = p_order;
          return existing;
        end if;
        for line in
          select (item->>'productId')::uuid as product_id, (item->>'quantity')::integer as quantity
          from jsonb_array_elements(p_lines) as item order by 1
        loop
          update inventory.stock set available = available - line.quantity, reserved = reserved + line.quantity, updated_at = now()
          where product_id = line.product_id and available >= line.quantity;
          if not found then
            short := short || line.product_id;
          end if;
        end loop;
        if cardinality(short) > 0 then
          raise exception 'not enough stock' using errcode = 'BZ409', detail = array_to_string(short, ',');
        end if;
        return 'reserved';
      end
      $$`);
  }
}
