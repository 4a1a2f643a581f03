import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Catalog, type Product } from "../contract.ts";
import { ProductEntity } from "../entities/product.entity.ts";
import { toProduct } from "./product.view.ts";

/**
 * One conditional update decides who deactivates: of two concurrent calls only one changes the row,
 * so the event is published once.
 */
export async function deactivateProduct(params: ParamsOf<typeof Catalog.actions.deactivateProduct>, ctx: ActionContext): Promise<Product> {
  const changed = await ctx.transactional(async ({ em, publish }) => {
    const rows = await em.nativeUpdate(ProductEntity, { id: params.id, active: true }, { active: false, updatedAt: new Date() });
    if (rows === 0) return false;
    const entity = await em.findOneOrFail(ProductEntity, { id: params.id });
    publish(Catalog.events["catalog.product.deactivated"], toProduct(entity));
    return true;
  });
  const entity = await ctx.em.findOne(ProductEntity, { id: params.id }, { refresh: true });
  if (!entity) throw notFound("No product has this id.");
  if (changed) ctx.log.info({ productId: entity.id }, "product deactivated");
  return toProduct(entity);
}
