/** Stock held too long went back on sale: an order still awaiting payment can no longer be fulfilled. */
import { on } from "../../../broker/module.ts";
import { Inventory } from "../../inventory/contract.ts";
import { cancel } from "../domain/cancel.ts";

export const onReservationExpired = on(Inventory.events["inventory.reservation.expired"], async ({ orderId }, { em, publish }) => {
  await cancel(em, publish, orderId, "reservation_expired");
});
