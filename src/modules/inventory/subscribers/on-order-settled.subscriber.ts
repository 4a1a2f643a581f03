/** Orders tells inventory how each order ended: paid orders buy their units, cancelled ones give them back. */
import { on, onBatch } from "../../../broker/module.ts";
import { Orders } from "../../orders/contract.ts";
import { commitReservations, releaseReservation } from "../domain/release.ts";

/** The orders paid together buy their units in one statement. */
export const onOrderPaid = onBatch(Orders.events["orders.order.paid"], async (events, { em, log }) => {
  const sold = await commitReservations(em, events.map(({ payload }) => payload.orderId));
  for (const { payload: { orderId } } of events) if (!sold.has(orderId.toLowerCase())) log.warn({ orderId }, "paid order had no held reservation to sell");
});

export const onOrderCancelled = on(Orders.events["orders.order.cancelled"], async ({ orderId }, { em }) => {
  await releaseReservation(em, orderId);
});
