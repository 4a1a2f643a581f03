import type { ParamsOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Inventory, Stock } from "../contract.ts";
import { StockEntity } from "../entities/stock.entity.ts";
import { toStock } from "./stock.view.ts";

export async function getStock(params: ParamsOf<typeof Inventory.actions.getStock>, ctx: ActionContext): Promise<Stock> {
  const productId = params.productId.toLowerCase();
  return toStock(productId, await ctx.em.findOne(StockEntity, { productId }));
}
