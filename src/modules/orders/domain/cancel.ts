/**
 * Every way an order ends up cancelled goes through here: one conditional update decides (so a
 * customer's cancel and a declined payment cannot both win) and the `cancelled` event commits with it.
 */
import type { ModuleEntityManager } from "../../../broker/database.ts";
import type { Publish } from "../../../broker/module.ts";
import { Orders } from "../contract.ts";
import { OrderEntity, type OrderState } from "../entities/order.entity.ts";

export type CancelReason = "customer" | "payment_declined" | "reservation_expired";

/** Cancels an `awaiting_payment` (or, except for a decline, a `paid`) order; false when it was not in such a state. */
export async function cancel(em: ModuleEntityManager, publish: Publish, orderId: string, reason: CancelReason): Promise<boolean> {
  // An expired reservation can meet a paid order when the capture arrived after the expiry but before
  // inventory sold the units: they are back on sale, so the order is cancelled (and refunded).
  const from: OrderState[] = reason === "payment_declined" ? ["awaiting_payment"] : ["awaiting_payment", "paid"];
  const changed = await em.nativeUpdate(
    OrderEntity,
    { id: orderId, status: { $in: from } },
    { status: "cancelled", cancelReason: reason, updatedAt: new Date() },
  );
  if (changed === 0) return false;
  const order = await em.findOneOrFail(OrderEntity, { id: orderId }, { refresh: true });
  publish(Orders.events["orders.order.cancelled"], { orderId, userId: order.userId, reason });
  return true;
}
