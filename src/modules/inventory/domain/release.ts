/**
 * Gives back what an order holds or bought. An order with no reservation gets a `released`
 * tombstone, so a reservation request still in flight for it cannot hold stock afterwards.
 */
import { LockMode } from "@mikro-orm/core";
import type { ModuleEntityManager } from "../../../broker/database.ts";
import { ReservationEntity } from "../entities/reservation.entity.ts";
import { moveStock } from "./stock-moves.ts";

export async function releaseReservation(em: ModuleEntityManager, orderId: string): Promise<boolean> {
  const reservation = await em.findOne(ReservationEntity, { orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  const now = new Date();
  if (!reservation) {
    em.create(ReservationEntity, { orderId, status: "released", lines: [], expiresAt: now, createdAt: now, updatedAt: now });
    await em.flush();
    return false;
  }
  if (reservation.status === "released") return false;
  const moved = await moveStock(em, reservation.status === "held" ? "unhold" : "unsell", reservation.lines);
  if (!moved) throw new Error(`stock of order ${orderId} is inconsistent with its reservation`);
  reservation.status = "released";
  reservation.updatedAt = now;
  await em.flush();
  return true;
}

/**
 * Held → sold, when orders are paid, in one statement for all of them: their reservations become
 * `committed` and the units they hold move from reserved to sold (summed per product, as one
 * statement updates a row once). Answers the orders that had something held to sell.
 */
export async function commitReservations(em: ModuleEntityManager, orderIds: string[]): Promise<Set<string>> {
  const [result] = await em.getConnection().execute<{ orders: string[]; products: number; sold: number }[]>(
    `with committed as (
       update inventory.reservations set status = 'committed', updated_at = now()
       where order_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and status = 'held' returning order_id, lines),
     wanted as (
       select l."productId" as product_id, sum(l.quantity)::int as quantity
       from committed, jsonb_to_recordset(committed.lines) as l("productId" uuid, quantity integer) group by l."productId"),
     sold as (
       update inventory.stock s set reserved = s.reserved - w.quantity, sold = s.sold + w.quantity, updated_at = now()
       from wanted w where s.product_id = w.product_id and s.reserved >= w.quantity
       returning 1)
     select (select coalesce(json_agg(order_id), '[]') from committed) as orders, (select count(*)::int from wanted) as products, (select count(*)::int from sold) as sold`,
    [JSON.stringify(orderIds)],
    "all",
    em.getTransactionContext(),
  );
  if (!result) throw new Error("committing reservations answered nothing");
  if (result.sold !== result.products) throw new Error(`stock of orders ${result.orders.join(", ")} is inconsistent with their reservations`);
  return new Set(result.orders);
}
