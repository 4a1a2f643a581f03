import { batcher } from "../../../broker/batcher.ts";
import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import type { ModuleRuntime } from "../../../broker/module.ts";
import { statement } from "../../../broker/module-sql.ts";
import { Inventory } from "../contract.ts";
import { refuseRepeatedProducts } from "../domain/stock-moves.ts";

type Params = ParamsOf<typeof Inventory.actions.reserveStock>;
type Result = ResultOf<typeof Inventory.actions.reserveStock>;

/** See migrations/0004: the reservations of many orders, each whole or not at all, in one statement. */
const RESERVE = statement(
  "inventory_reserve_stocks",
  `select reserved_order as "orderId", outcome, short_products as "shortProducts" from inventory.reserve_stocks($1::jsonb, $2)`,
);
/** Orders held in one transaction at most: it keeps their products' stock rows locked until it commits. */
const MAX_BATCH = 64;
/** SQLSTATEs of a transaction that lost to another one: deadlock detected, serialization failure. */
const RETRY_ALONE = new Set(["40P01", "40001"]);

interface Outcome {
  orderId: string;
  outcome: "reserved" | "short" | "held" | "committed" | "released";
  shortProducts: string | null;
}

/**
 * Holds all lines or none, once per order: the reservation row's primary key (the order id) makes a
 * second attempt find the first, and `available` never goes below zero however many orders race.
 * Reservations that arrive while others are being written go together in the next transaction:
 * a popular product's stock row then takes one lock and one commit for them all, not one each.
 */
export function stockReserver(runtime: ModuleRuntime): (params: Params) => Promise<Result> {
  const reserveAll = async (batch: Params[]): Promise<(Outcome | Error)[]> => {
    const orders = batch.map(({ orderId, lines }) => ({ orderId: orderId.toLowerCase(), lines: lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity })) }));
    const expires = new Date(Date.now() + runtime.config.inventory.reservationTtlS * 1000).toISOString();
    try {
      // One row per order, in the batch's order.
      return await runtime.db.query<Outcome>(RESERVE, [JSON.stringify(orders), expires]);
    } catch (error) {
      // A deadlock with another writer (a multi-product release, say) is no order's fault: each goes
      // again alone. Anything else (the database gone, a timeout) would fail them alone as well.
      if (batch.length === 1 || !RETRY_ALONE.has((error as { code?: string }).code ?? "")) return batch.map(() => error as Error);
      return Promise.all(batch.map(async (one) => (await reserveAll([one]))[0] as Outcome | Error));
    }
  };
  const reserve = batcher(reserveAll, MAX_BATCH);
  return async (params) => {
    refuseRepeatedProducts(params.lines);
    const { orderId, outcome, shortProducts } = await reserve(params);
    if (outcome === "short") throw Inventory.errors.outOfStock.error(undefined, { members: { productIds: (shortProducts ?? "").split(",") } });
    if (outcome === "released") throw Inventory.errors.reservationReleased.error();
    return { orderId, status: "held" };
  };
}
