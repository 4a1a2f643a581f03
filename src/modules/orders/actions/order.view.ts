import type { Order } from "../contract.ts";
import type { OrderEntity } from "../entities/order.entity.ts";

export function toOrder(entity: OrderEntity): Order {
  return {
    id: entity.id,
    userId: entity.userId,
    status: entity.status as Order["status"],
    items: entity.items,
    totalCents: entity.totalCents,
    currency: entity.currency,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}
