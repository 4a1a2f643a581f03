import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { statement } from "../../../broker/module-sql.ts";
import { Inventory } from "../contract.ts";

type Result = ResultOf<typeof Inventory.actions.reserveStock>;

/** See migrations/0002: the reservation row and every line's conditional update, in one statement. */
const RESERVE = statement("inventory_reserve_stock", "select inventory.reserve_stock($1, $2::jsonb, $3) as outcome");
const OUT_OF_STOCK = "BZ409";

/**
 * Holds all lines or none, once per order: the reservation row's primary key (the order id) makes a
 * second attempt find the first, and `available` never goes below zero however many orders race.
 */
export async function reserveStock(params: ParamsOf<typeof Inventory.actions.reserveStock>, ctx: ActionContext, ttlS: number): Promise<Result> {
  const orderId = params.orderId.toLowerCase();
  const lines = params.lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity }));
  let rows: { outcome: string }[];
  try {
    rows = await ctx.db.query<{ outcome: string }>(RESERVE, [orderId, JSON.stringify(lines), new Date(Date.now() + ttlS * 1000).toISOString()]);
  } catch (error) {
    const { code, detail } = error as { code?: string; detail?: string };
    if (code === OUT_OF_STOCK) throw Inventory.errors.outOfStock.error(undefined, { members: { productIds: (detail ?? "").split(",").filter(Boolean) } });
    throw error;
  }
  if (rows[0]?.outcome === "released") throw Inventory.errors.reservationReleased.error();
  return { orderId, status: "held" };
}
