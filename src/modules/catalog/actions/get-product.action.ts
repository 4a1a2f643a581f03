import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Catalog, Product } from "../contract.ts";
import { ProductEntity } from "../entities/product.entity.ts";
import { toProduct } from "./product.view.ts";

export async function getProduct(params: ParamsOf<typeof Catalog.actions.getProduct>, ctx: ActionContext): Promise<Product> {
  const entity = await ctx.em.findOne(ProductEntity, { id: params.id });
  if (!entity) throw notFound("No product has this id.");
  return toProduct(entity);
}
