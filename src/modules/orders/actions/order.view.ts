import { isoTimestamp } from "../../../broker/module-sql.ts";
import type { Order } from "../contract.ts";
import type { OrderEntity } from "../entities/order.entity.ts";

export function toOrder(entity: OrderEntity): Order {
  return {
    id: entity.id,
    userId: entity.userId,
    status: entity.status as Order["status"],
    cancelReason: (entity.cancelReason ?? null) as Order["cancelReason"],
    items: entity.items,
    totalCents: entity.totalCents,
    currency: entity.currency,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}

/** The columns of `orders.orders` (as `o`) that make an `Order` row as it is, for reads without entities. */
export const ORDER_COLUMNS = [
  "o.id",
  `o.user_id as "userId"`,
  "o.status",
  `o.cancel_reason as "cancelReason"`,
  "o.items",
  // bigint arrives as text; a double holds every total up to 2^53 cents exactly.
  `o.total_cents::float8 as "totalCents"`,
  "o.currency",
  `${isoTimestamp("o.created_at")} as "createdAt"`,
  `${isoTimestamp("o.updated_at")} as "updatedAt"`,
].join(", ");

/** What the API may show: pending and rejected checkouts are never seen. */
export const VISIBLE = "o.status in ('awaiting_payment', 'paid', 'cancelled')";
