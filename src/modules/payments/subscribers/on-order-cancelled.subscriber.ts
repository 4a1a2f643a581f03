/**
 * A cancelled order must not stay charged: a payment not yet charged is voided, a captured one is
 * queued for refund. Events may arrive out of order, so a cancellation that comes before the order
 * itself leaves a voided tombstone that stops the charge.
 */
import { randomUUID } from "node:crypto";
import { LockMode } from "@mikro-orm/core";
import { on } from "../../../broker/module.ts";
import { Orders } from "../../orders/contract.ts";
import { PaymentEntity } from "../entities/payment.entity.ts";

export const onOrderCancelled = on(Orders.events["orders.order.cancelled"], async ({ orderId, userId }, { em }) => {
  const payment = await em.findOne(PaymentEntity, { orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  const now = new Date();
  if (!payment) {
    em.create(PaymentEntity, {
      id: randomUUID(),
      orderId,
      userId,
      amountCents: 0,
      currency: "XXX",
      paymentToken: "tok_none",
      status: "voided",
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
  } else if (payment.status === "pending") {
    payment.status = "voided";
  } else if (payment.status === "captured") {
    Object.assign(payment, { status: "refunding", attempts: 0, nextAttemptAt: now });
  }
  if (payment) payment.updatedAt = now;
  await em.flush();
});
