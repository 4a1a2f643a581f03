/**
 * Compensates checkouts that never finished (the process died mid-way, or inventory could not be
 * reached to undo a step): after ORDERS_PENDING_TIMEOUT_S their stock is released and the order
 * rejected, so no order stays half-done and no reservation stays held.
 */
import type { ModuleRuntime } from "../../../broker/module.ts";
import { Inventory } from "../../inventory/contract.ts";
import { OrderEntity } from "../entities/order.entity.ts";

export async function abandonStaleCheckouts(runtime: ModuleRuntime): Promise<void> {
  const cutoff = new Date(Date.now() - runtime.config.orders.pendingTimeoutS * 1000);
  const stale = await runtime.orm.em.fork().find(OrderEntity, { status: "pending", createdAt: { $lt: cutoff } }, { limit: 50, orderBy: { createdAt: "asc" } });
  for (const order of stale) {
    // Claim the order first: a checkout finishing right now either wins this update or loses its order.
    const claimed = await runtime.transactional(({ em }) =>
      em.nativeUpdate(OrderEntity, { id: order.id, status: "pending" }, { status: "rejected", idempotencyKey: null, updatedAt: new Date() }),
    );
    if (claimed === 0) continue;
    // Should inventory be unreachable now, the reservation's expiry releases the stock later.
    await runtime.call(Inventory.actions.releaseStock, { orderId: order.id });
    runtime.log.warn({ orderId: order.id }, "stale checkout abandoned; its stock was released");
  }
}
