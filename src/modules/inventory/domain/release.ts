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
 * Held → sold, when the order is paid, in one statement: the reservation becomes `committed` and
 * each of its lines moves from reserved to sold. False when there was nothing held to sell.
 */
export async function commitReservation(em: ModuleEntityManager, orderId: string): Promise<boolean> {
  const [result] = await em.getConnection().execute<{ lines: number | null; sold: number }[]>(
    `with committed as (
       update inventory.reservations set status = 'committed', updated_at = now() where order_id = ? and status = 'held' returning lines),
     sold as (
       update inventory.stock s set reserved = s.reserved - l.quantity, sold = s.sold + l.quantity, updated_at = now()
       from committed, jsonb_to_recordset(committed.lines) as l("productId" uuid, quantity integer)
       where s.product_id = l."productId" and s.reserved >= l.quantity
       returning 1)
     select (select jsonb_array_length(lines) from committed) as lines, (select count(*)::int from sold) as sold`,
    [orderId],
    "all",
    em.getTransactionContext(),
  );
  if (result?.lines == null) return false;
  if (result.sold !== result.lines) throw new Error(`stock of order ${orderId} is inconsistent with its reservation`);
  return true;
}
