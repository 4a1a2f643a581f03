/**
 * Placed orders get one payment each to charge, in the order's trace; the charge worker takes it
 * from there. The orders that arrive together are inserted in one statement.
 */
import { randomUUID } from "node:crypto";
import { onBatch } from "../../../broker/module.ts";
import { Orders } from "../../orders/contract.ts";

export const onOrderPlaced = onBatch(Orders.events["orders.order.placed"], async (events, { em }) => {
  const rows = events.map(({ payload: order, traceParent }) => ({ id: randomUUID(), order_id: order.orderId, user_id: order.userId, amount_cents: order.totalCents, currency: order.currency, payment_token: order.paymentToken, trace_parent: traceParent ?? null }));
  // One row per order, ever: if the order was cancelled first, its tombstone is already here.
  await em
    .getConnection()
    .execute(
      `insert into payments.payments (id, order_id, user_id, amount_cents, currency, payment_token, status, attempts, next_attempt_at, created_at, updated_at, trace_parent)
       select id, order_id, user_id, amount_cents, currency, payment_token, 'pending', 0, now(), now(), now(), trace_parent
       from jsonb_to_recordset(?::jsonb) as r(id uuid, order_id uuid, user_id uuid, amount_cents bigint, currency varchar, payment_token varchar, trace_parent varchar)
       on conflict (order_id) do nothing`,
      [JSON.stringify(rows)],
      "run",
      em.getTransactionContext(),
    );
});
