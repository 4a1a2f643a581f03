import { Migration } from "@mikro-orm/migrations";

/**
 * reserve_stocks: the reservations of many orders in one transaction. A popular product's stock row
 * is locked by every reservation until its commit is on disk, so one at a time they queue on that
 * lock for a WAL flush each; together they share the lock and one flush.
 *
 * Every stock row the batch needs is locked first, in product order, so two batches never deadlock.
 * Then each order is held whole or not at all, as reserve_stock (0003) does: an order with a short
 * line keeps no reservation row (it may be tried again) and names every short line's product; an
 * order seen before answers its reservation's status. reserve_stock stays for instances of the
 * previous release during a rolling update.
 */
export class ReserveStockInBatches extends Migration {
  override up(): void {
    this.addSql(`
      create or replace function inventory.reserve_stocks(p_orders jsonb, p_expires timestamptz)
      returns table(reserved_order uuid, outcome text, short_products text)
      language plpgsql as $$
      declare
        o record;
        line record;
        existing text;
        short uuid[];
      begin
        perform 1 from inventory.stock s
        where s.product_id in (select (l->>'productId')::uuid from jsonb_array_elements(p_orders) as x, jsonb_array_elements(x->'lines') as l)
        order by s.product_id for update;
        for o in select (x->>'orderId')::uuid as id, x->'lines' as lines from jsonb_array_elements(p_orders) with ordinality as t(x, n) order by n
        loop
          reserved_order := o.id;
          short_products := null;
          insert into inventory.reservations (order_id, status, lines, expires_at, created_at, updated_at)
          values (o.id, 'held', o.lines, p_expires, now(), now())
          on conflict (order_id) do nothing;
          if not found then
            select r.status into existing from inventory.reservations r where r.order_id = o.id;
            outcome := existing;
            return next;
            continue;
          end if;
          select coalesce(array_agg(want.product_id order by want.product_id), '{}') into short
          from (select (item->>'productId')::uuid as product_id, sum((item->>'quantity')::integer) as quantity
                from jsonb_array_elements(o.lines) as item group by 1) as want
          left join inventory.stock s on s.product_id = want.product_id
          where s.product_id is null or s.available < want.quantity;
          if cardinality(short) > 0 then
            delete from inventory.reservations r where r.order_id = o.id;
            outcome := 'short';
            short_products := array_to_string(short, ',');
            return next;
            continue;
          end if;
          for line in select (item->>'productId')::uuid as product_id, (item->>'quantity')::integer as quantity from jsonb_array_elements(o.lines) as item
          loop
            update inventory.stock s set available = s.available - line.quantity, reserved = s.reserved + line.quantity, updated_at = now()
            where s.product_id = line.product_id;
          end loop;
          outcome := 'reserved';
          return next;
        end loop;
      end
      $$`);
  }
}
