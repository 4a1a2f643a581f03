/**
 * Every way an order ends up cancelled goes through here: one conditional update decides (so a
 * customer's cancel and a declined payment cannot both win) and the `cancelled` event commits with it.
 */
import type { ModuleEntityManager } from "../../../broker/database.ts";
import type { Publish } from "../../../broker/module.ts";
import { Orders } from "../contract.ts";
import { OrderEntity, type OrderState } from "../entities/order.entity.ts";

export type CancelReason = "customer" | "payment_declined" | "reservation_expired";

/** Cancels an `awaiting_payment` (or, for the customer, a `paid`) order; false when it was not in such a state. */
export async function cancel(em: ModuleEntityManager, publish: Publish, orderId: string, reason: CancelReason): Promise<boolean> {
  const from: OrderState[] = reason === "customer" ? ["awaiting_payment", "paid"] : ["awaiting_payment"];
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
