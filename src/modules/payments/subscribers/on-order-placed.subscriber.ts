/** A placed order gets one payment to charge, in the order's trace; the charge worker takes it from there. */
import { randomUUID } from "node:crypto";
import { currentTraceParent } from "../../../broker/events/trace-context.ts";
import { on } from "../../../broker/module.ts";
import { Orders } from "../../orders/contract.ts";

export const onOrderPlaced = on(Orders.events["orders.order.placed"], async (order, { em }) => {
  // One row per order, ever: if the order was cancelled first, its tombstone is already here.
  await em
    .getConnection()
    .execute(
      `insert into payments.payments (id, order_id, user_id, amount_cents, currency, payment_token, status, attempts, next_attempt_at, created_at, updated_at, trace_parent)
       values (?, ?, ?, ?, ?, ?, 'pending', 0, now(), now(), now(), ?) on conflict (order_id) do nothing`,
      [randomUUID(), order.orderId, order.userId, order.totalCents, order.currency, order.paymentToken, currentTraceParent() ?? null],
      "run",
      em.getTransactionContext(),
    );
});
