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

/** Held → sold, when the order is paid. False when there was nothing held to sell. */
export async function commitReservation(em: ModuleEntityManager, orderId: string): Promise<boolean> {
  const reservation = await em.findOne(ReservationEntity, { orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!reservation || reservation.status !== "held") return false;
  if (!(await moveStock(em, "sell", reservation.lines))) throw new Error(`stock of order ${orderId} is inconsistent with its reservation`);
  reservation.status = "committed";
  reservation.updatedAt = new Date();
  await em.flush();
  return true;
}
