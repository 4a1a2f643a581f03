import { isoTimestamp } from "../../../broker/module-sql.ts";
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

/** The columns of `catalog.products` (as `p`) that make a `Product` row as it is, for reads without entities. */
export const PRODUCT_COLUMNS = [
  "p.id",
  "p.sku",
  "p.name",
  "p.description",
  `p.price_cents as "priceCents"`,
  "p.currency",
  "p.category",
  "p.active",
  `${isoTimestamp("p.created_at")} as "createdAt"`,
  `${isoTimestamp("p.updated_at")} as "updatedAt"`,
].join(", ");
