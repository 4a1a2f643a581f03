/**
 * Held reservations that outlive RESERVATION_TTL_S go back on sale, each with an `expired` event so
 * that orders cancels the order: no reservation stays held forever, whatever happened to its order.
 */
import { LockMode } from "@mikro-orm/core";
import type { ModuleRuntime } from "../../../broker/module.ts";
import { Inventory } from "../contract.ts";
import { releaseReservation } from "../domain/release.ts";
import { ReservationEntity } from "../entities/reservation.entity.ts";

const BATCH = 50;

export async function expireReservations(runtime: ModuleRuntime): Promise<void> {
  let expired: number;
  do {
    expired = await runtime.transactional(async ({ em, publish }) => {
      const due = await em.find(
        ReservationEntity,
        { status: "held", expiresAt: { $lt: new Date() } },
        { limit: BATCH, orderBy: { expiresAt: "asc" }, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
      );
      for (const reservation of due) {
        await releaseReservation(em, reservation.orderId);
        publish(Inventory.events["inventory.reservation.expired"], { orderId: reservation.orderId });
      }
      return due.length;
    });
    if (expired > 0) runtime.log.info({ expired }, "expired reservations released");
  } while (expired === BATCH);
}
