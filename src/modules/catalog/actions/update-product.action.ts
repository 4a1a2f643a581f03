import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Catalog, type Product } from "../contract.ts";
import { ProductEntity } from "../entities/product.entity.ts";
import { toProduct } from "./product.view.ts";

export async function updateProduct(params: ParamsOf<typeof Catalog.actions.updateProduct>, ctx: ActionContext): Promise<Product> {
  const entity = await ctx.em.findOne(ProductEntity, { id: params.id });
  if (!entity) throw notFound("No product has this id.");
  ctx.em.assign(entity, { ...params.changes, updatedAt: new Date() });
  const product = toProduct(entity);
  ctx.publish(Catalog.events["catalog.product.updated"], product);
  await ctx.em.flush();
  return product;
}
