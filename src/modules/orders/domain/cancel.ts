/**
 * Every way an order ends up cancelled goes through here: one conditional update decides (so a
 * customer's cancel and a declined payment cannot both win) and the `cancelled` event commits with it.
 */
import type { ModuleEntityManager } from "../../../broker/database.ts";
import type { Publish } from "../../../broker/module.ts";
import { Orders, type CancelReason } from "../contract.ts";
import type { OrderState } from "../entities/order.entity.ts";

/** Cancels an `awaiting_payment` (or, except for a decline, a `paid`) order; false when it was not in such a state. */
export async function cancel(em: ModuleEntityManager, publish: Publish, orderId: string, reason: CancelReason): Promise<boolean> {
  // An expired reservation can meet a paid order when the capture arrived after the expiry but before
  // inventory sold the units: they are back on sale, so the order is cancelled (and refunded).
  const from: OrderState[] = reason === "payment_declined" || reason === "payment_unavailable" ? ["awaiting_payment"] : ["awaiting_payment", "paid"];
  const [cancelled] = await em
    .getConnection()
    .execute<{ user_id: string }[]>(
      `update orders.orders set status = 'cancelled', cancel_reason = ?, updated_at = ? where id = ? and status in (${from.map(() => "?").join(", ")}) returning user_id`,
      [reason, new Date(), orderId, ...from],
      "all",
      em.getTransactionContext(),
    );
  if (!cancelled) return false;
  publish(Orders.events["orders.order.cancelled"], { orderId, userId: cancelled.user_id, reason });
  return true;
}
