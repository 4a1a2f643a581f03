import { randomUUID } from "node:crypto";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { ParamsOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Catalog, type Product } from "../contract.ts";
import { ProductEntity } from "../entities/product.entity.ts";
import { toProduct } from "./product.view.ts";

export async function createProduct(params: ParamsOf<typeof Catalog.actions.createProduct>, ctx: ActionContext): Promise<Product> {
  const now = new Date();
  const entity = ctx.em.create(ProductEntity, {
    id: randomUUID(),
    sku: params.sku,
    name: params.name,
    description: params.description ?? "",
    priceCents: params.priceCents,
    currency: params.currency,
    category: params.category ?? null,
    active: true,
    createdAt: now,
    updatedAt: now,
  });
  const product = toProduct(entity);
  ctx.publish(Catalog.events["catalog.product.created"], product);
  try {
    await ctx.em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw Catalog.errors.skuTaken.error("A product with this sku exists.");
    throw error;
  }
  return product;
}
