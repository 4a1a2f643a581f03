/**
 * Finishes the inventory steps that decisions could not finish when they were made (inventory was
 * unreachable): releases what declined and cancelled requests hold, sells what fulfilled ones hold.
 */
import type { ModuleRuntime } from "../../../broker/module.ts";
import { settleStock } from "../domain/stock-moves.ts";
import { RequestEntity } from "../entities/request.entity.ts";

/** A step this fresh may still be finishing in the action that owes it. */
const GRACE_MS = 1_000;

export async function settleOwedStock(runtime: ModuleRuntime): Promise<void> {
  const em = runtime.orm.em.fork();
  const owed = await em.find(RequestEntity, { stockMove: { $ne: null }, updatedAt: { $lt: new Date(Date.now() - GRACE_MS) } }, { limit: 50, orderBy: { updatedAt: "asc" } });
  for (const request of owed) await settleStock({ call: runtime.call, log: runtime.log, em }, request.id, request.stockMove as "release" | "sell");
}
