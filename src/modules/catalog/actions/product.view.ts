import type { Product } from "../contract.ts";
import type { ProductEntity } from "../entities/product.entity.ts";

export function toProduct(entity: ProductEntity): Product {
  return {
    id: entity.id,
    sku: entity.sku,
    name: entity.name,
    description: entity.description,
    priceCents: entity.priceCents,
    currency: entity.currency,
    category: entity.category ?? null,
    active: entity.active,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}
