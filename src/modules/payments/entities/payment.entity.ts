import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * `pending` (to charge) → `captured` | `declined`; `captured` → `refunding` → `refunded`;
 * `pending` → `voided` when the order is cancelled first. One row per order, ever.
 */
export type PaymentStatus = "pending" | "captured" | "declined" | "refunding" | "refunded" | "voided";

export const PaymentEntity = defineEntity({
  name: "Payment",
  tableName: "payments",
  properties: {
    id: p.uuid().primary(),
    orderId: p.uuid().unique(),
    userId: p.uuid(),
    amountCents: p.bigint("number"),
    currency: p.string(),
    paymentToken: p.string(),
    status: p.string().$type<PaymentStatus>(),
    attempts: p.integer(),
    nextAttemptAt: p.datetime(3),
    lastError: p.text().nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type PaymentEntity = InferEntity<typeof PaymentEntity>;
