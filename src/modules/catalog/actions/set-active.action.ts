import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Catalog, type Product } from "../contract.ts";
import { ProductEntity } from "../entities/product.entity.ts";
import { toProduct } from "./product.view.ts";

export function deactivateProduct(params: ParamsOf<typeof Catalog.actions.deactivateProduct>, ctx: ActionContext): Promise<Product> {
  return setActive(params.id, false, ctx);
}

export function activateProduct(params: ParamsOf<typeof Catalog.actions.activateProduct>, ctx: ActionContext): Promise<Product> {
  return setActive(params.id, true, ctx);
}

/**
 * One conditional update decides who changes the product: of two concurrent calls only one changes
 * the row, so the event is published once; a product already as asked is answered as it is.
 */
async function setActive(id: string, active: boolean, ctx: ActionContext): Promise<Product> {
  const changed = await ctx.transactional(async ({ em, publish }) => {
    const rows = await em.nativeUpdate(ProductEntity, { id, active: !active }, { active, updatedAt: new Date() });
    if (rows === 0) return false;
    const entity = await em.findOneOrFail(ProductEntity, { id });
    publish(Catalog.events[active ? "catalog.product.activated" : "catalog.product.deactivated"], toProduct(entity));
    return true;
  });
  const entity = await ctx.em.findOne(ProductEntity, { id }, { refresh: true });
  if (!entity) throw notFound("No product has this id.");
  if (changed) ctx.log.info({ productId: entity.id }, active ? "product activated" : "product deactivated");
  return toProduct(entity);
}
