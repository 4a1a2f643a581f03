/**
 * Turns requested lines and the catalog's current products into priced order lines: the prices are
 * snapshotted here, so later catalog changes never alter a placed order.
 */
import { validationFailed } from "../../../broker/errors.ts";
import { Orders } from "../contract.ts";
import type { OrderLine } from "../entities/order.entity.ts";

export interface CatalogProduct {
  id: string;
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
  active: boolean;
}

export function distinctProducts(lines: { productId: string }[]): void {
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const id = line.productId.toLowerCase();
    if (seen.has(id)) throw validationFailed([{ path: `/items/${index}/productId`, message: "lists a product that an earlier line already lists" }]);
    seen.add(id);
  });
}

export function priceLines(lines: { productId: string; quantity: number }[], products: CatalogProduct[]): { items: OrderLine[]; totalCents: number; currency: string } {
  const byId = new Map(products.map((product) => [product.id.toLowerCase(), product]));
  const items = lines.map((line) => {
    const product = byId.get(line.productId.toLowerCase());
    if (!product || !product.active) throw Orders.errors.productUnavailable.error(`Product ${line.productId} cannot be ordered.`);
    return {
      productId: product.id,
      sku: product.sku,
      name: product.name,
      unitPriceCents: product.priceCents,
      quantity: line.quantity,
      lineTotalCents: product.priceCents * line.quantity,
    };
  });
  const currencies = new Set(items.map((item) => byId.get(item.productId)?.currency));
  if (currencies.size > 1) throw Orders.errors.mixedCurrency.error("All products of an order must have the same currency.");
  const currency = [...currencies][0] as string;
  return { items, totalCents: items.reduce((sum, item) => sum + item.lineTotalCents, 0), currency };
}
