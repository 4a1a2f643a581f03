/** Payments reports back: a capture pays the order, a decline cancels it (and so releases its stock). */
import { on } from "../../../broker/module.ts";
import { Payments } from "../../payments/contract.ts";
import { Orders } from "../contract.ts";
import { cancel } from "../domain/cancel.ts";
import { OrderEntity } from "../entities/order.entity.ts";

export const onPaymentCaptured = on(Payments.events["payments.payment.captured"], async ({ orderId }, { em, publish, log }) => {
  const changed = await em.nativeUpdate(OrderEntity, { id: orderId, status: "awaiting_payment" }, { status: "paid", updatedAt: new Date() });
  if (changed === 0) {
    // Cancelled meanwhile: payments refunds a capture for a cancelled order on its own.
    log.info({ orderId }, "capture for an order no longer awaiting payment");
    return;
  }
  const order = await em.findOneOrFail(OrderEntity, { id: orderId }, { refresh: true });
  publish(Orders.events["orders.order.paid"], { orderId, userId: order.userId });
});

export const onPaymentDeclined = on(Payments.events["payments.payment.declined"], async ({ orderId }, { em, publish }) => {
  await cancel(em, publish, orderId, "payment_declined");
});
