/** Orders tells inventory how each order ended: paid orders buy their units, cancelled ones give them back. */
import { on } from "../../../broker/module.ts";
import { Orders } from "../../orders/contract.ts";
import { commitReservation, releaseReservation } from "../domain/release.ts";

export const onOrderPaid = on(Orders.events["orders.order.paid"], async ({ orderId }, { em, log }) => {
  if (!(await commitReservation(em, orderId))) log.warn({ orderId }, "paid order had no held reservation to sell");
});

export const onOrderCancelled = on(Orders.events["orders.order.cancelled"], async ({ orderId }, { em }) => {
  await releaseReservation(em, orderId);
});
