import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * Besides the statuses the API shows, an order is `pending` while checkout is under way (stock not
 * yet held for certain) and `rejected` when checkout failed; neither is ever shown to anyone.
 */
export type OrderState = "pending" | "awaiting_payment" | "paid" | "cancelled" | "rejected";

export interface OrderLine {
  productId: string;
  sku: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
  lineTotalCents: number;
}

export const OrderEntity = defineEntity({
  name: "Order",
  tableName: "orders",
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid(),
    status: p.string().$type<OrderState>(),
    items: p.json<OrderLine[]>(),
    totalCents: p.bigint("number"),
    currency: p.string(),
    idempotencyKey: p.string().nullable(),
    requestHash: p.string().nullable(),
    cancelReason: p.string().nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type OrderEntity = InferEntity<typeof OrderEntity>;

export const VISIBLE_STATES: OrderState[] = ["awaiting_payment", "paid", "cancelled"];
