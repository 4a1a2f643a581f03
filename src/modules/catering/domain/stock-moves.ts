/**
 * The inventory step a decision owes: a confirmation holds the request's units under its id; a
 * decline or cancellation releases them (a hold never made is recorded as released, so a
 * confirmation still on its way holds nothing); a fulfilment sells them. The owed step is stored with
 * the status (`stock_move`) and cleared once inventory has done it; what could not reach
 * inventory is done again by the settle-stock worker.
 */
import type { ModuleEntityManager } from "../../../broker/database.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Inventory } from "../../inventory/contract.ts";
import { RequestEntity } from "../entities/request.entity.ts";

export type StockMove = "release" | "sell";

/** Does what `id` owes, then clears it; false (and left for the worker) when inventory could not be reached. */
export async function settleStock(with_: Pick<ActionContext, "call" | "log"> & { em: ModuleEntityManager }, id: string, move: StockMove): Promise<boolean> {
  try {
    if (move === "release") await with_.call(Inventory.actions.releaseHold, { holdId: id });
    else await with_.call(Inventory.actions.sellHold, { holdId: id });
  } catch (error) {
    with_.log.warn({ err: error, cateringRequestId: id, move }, "catering stock step left for the settle-stock worker");
    return false;
  }
  await with_.em.nativeUpdate(RequestEntity, { id, stockMove: move }, { stockMove: null });
  return true;
}
