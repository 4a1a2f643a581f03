/** Payments reports back: a capture pays the order, a decline cancels it (and so releases its stock). */
import { on } from "../../../broker/module.ts";
import { Payments } from "../../payments/contract.ts";
import { Orders } from "../contract.ts";
import { cancel } from "../domain/cancel.ts";

export const onPaymentCaptured = on(Payments.events["payments.payment.captured"], async ({ orderId }, { em, publish, log }) => {
  const [paid] = await em
    .getConnection()
    .execute<{ user_id: string }[]>(
      "update orders.orders set status = 'paid', updated_at = ? where id = ? and status = 'awaiting_payment' returning user_id",
      [new Date(), orderId],
      "all",
      em.getTransactionContext(),
    );
  if (!paid) {
    // Cancelled meanwhile: payments refunds a capture for a cancelled order on its own.
    log.info({ orderId }, "capture for an order no longer awaiting payment");
    return;
  }
  publish(Orders.events["orders.order.paid"], { orderId, userId: paid.user_id });
});

export const onPaymentDeclined = on(Payments.events["payments.payment.declined"], async ({ orderId, reason }, { em, publish }) => {
  await cancel(em, publish, orderId, reason === "provider_unavailable" ? "payment_unavailable" : "payment_declined");
});
