import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Catalog } from "../contract.ts";
import { ProductEntity } from "../entities/product.entity.ts";
import { toProduct } from "./product.view.ts";

export async function getProducts(
  params: ParamsOf<typeof Catalog.actions.getProducts>,
  ctx: ActionContext,
): Promise<ResultOf<typeof Catalog.actions.getProducts>> {
  const ids = params.ids.map((id) => id.toLowerCase());
  const entities = await ctx.em.find(ProductEntity, { id: { $in: ids } });
  return { items: entities.map(toProduct) };
}
