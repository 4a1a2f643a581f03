/** Payments reports back: a capture pays the order, a decline cancels it (and so releases its stock). */
import { on, onBatch } from "../../../broker/module.ts";
import { Payments } from "../../payments/contract.ts";
import { Orders } from "../contract.ts";
import { cancel } from "../domain/cancel.ts";

/** The captures that arrive together pay their orders in one statement. */
export const onPaymentCaptured = onBatch(Payments.events["payments.payment.captured"], async (events, { em, log }) => {
  const paid = await em
    .getConnection()
    .execute<{ id: string; user_id: string }[]>(
      `update orders.orders set status = 'paid', updated_at = now()
       where id in (select jsonb_array_elements_text(?::jsonb)::uuid) and status = 'awaiting_payment' returning id, user_id`,
      [JSON.stringify(events.map(({ payload }) => payload.orderId))],
      "all",
      em.getTransactionContext(),
    );
  const owners = new Map(paid.map((row) => [row.id, row.user_id]));
  for (const { payload: { orderId }, publish } of events) {
    const userId = owners.get(orderId.toLowerCase());
    // Cancelled meanwhile: payments refunds a capture for a cancelled order on its own.
    if (userId === undefined) log.info({ orderId }, "capture for an order no longer awaiting payment");
    else publish(Orders.events["orders.order.paid"], { orderId, userId });
  }
});

export const onPaymentDeclined = on(Payments.events["payments.payment.declined"], async ({ orderId, reason }, { em, publish }) => {
  await cancel(em, publish, orderId, reason === "provider_unavailable" ? "payment_unavailable" : "payment_declined");
});
