import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { AppError, conflict } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Inventory } from "../contract.ts";
import { moveStock } from "../domain/stock-moves.ts";
import { ReservationEntity } from "../entities/reservation.entity.ts";

type Result = ResultOf<typeof Inventory.actions.reserveStock>;

/**
 * Holds all lines or none, once per order: the reservation row and the stock moves commit in one
 * transaction, and the row's primary key (the order id) makes a second attempt find the first.
 */
export async function reserveStock(params: ParamsOf<typeof Inventory.actions.reserveStock>, ctx: ActionContext, ttlS: number): Promise<Result> {
  const orderId = params.orderId.toLowerCase();
  const lines = params.lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity }));
  return ctx.transactional(async ({ em }) => {
    const now = new Date();
    const inserted = await em
      .getConnection()
      .execute<{ order_id: string }[]>(
        `insert into inventory.reservations (order_id, status, lines, expires_at, created_at, updated_at)
         values (?, 'held', ?, ?, ?, ?) on conflict (order_id) do nothing returning order_id`,
        [orderId, JSON.stringify(lines), new Date(now.getTime() + ttlS * 1000), now, now],
        "all",
        em.getTransactionContext(),
      );
    if (inserted.length === 0) {
      const existing = await em.findOneOrFail(ReservationEntity, { orderId });
      if (existing.status === "released") throw conflict("invalid_state", "This order's reservation was already released.");
      return { orderId, status: "held" as const };
    }
    if (!(await moveStock(em, "hold", lines))) {
      throw new AppError(409, "out_of_stock", "Not enough stock for every line; nothing was reserved.");
    }
    return { orderId, status: "held" as const };
  });
}
