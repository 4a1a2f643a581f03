import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { CommonErrors } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Catalog } from "../../catalog/contract.ts";
import type { Inventory, Stock } from "../contract.ts";
import { StockEntity } from "../entities/stock.entity.ts";
import { toStock } from "./stock.view.ts";

export async function setStock(params: ParamsOf<typeof Inventory.actions.setStock>, ctx: ActionContext): Promise<Stock> {
  const productId = params.productId.toLowerCase();
  try {
    await ctx.call(Catalog.actions.getProduct, { id: productId });
  } catch (error) {
    if (CommonErrors.notFound.is(error)) throw notFound("The catalog has no such product.");
    throw error;
  }
  await ctx.em
    .getConnection()
    .execute(
      `insert into inventory.stock (product_id, available, reserved, sold, updated_at) values (?, ?, 0, 0, now())
       on conflict (product_id) do update set available = excluded.available, updated_at = now()`,
      [productId, params.available],
    );
  return toStock(productId, await ctx.em.findOne(StockEntity, { productId }, { refresh: true }));
}
