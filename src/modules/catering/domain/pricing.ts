/**
 * A catering quote: each line at the catalog's price of the moment (snapshotted: later catalog
 * changes never alter a request), and a volume discount by guests.
 */
import { validationFailed } from "../../../broker/errors.ts";
import type { Product } from "../../catalog/contract.ts";
import { Catering, type CateringRequest } from "../contract.ts";

type Quote = Pick<CateringRequest, "items" | "subtotalCents" | "discountPercent" | "discountCents" | "totalCents" | "currency">;

/** 0 below 50 guests, 10 from 50, 15 from 200. */
export function discountPercent(guests: number): number {
  return guests >= 200 ? 15 : guests >= 50 ? 10 : 0;
}

export function quote(lines: { productId: string; quantity: number }[], guests: number, products: Product[]): Quote {
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const id = line.productId.toLowerCase();
    if (seen.has(id)) throw validationFailed([{ path: `/items/${index}/productId`, message: "lists a product that an earlier line already lists" }]);
    seen.add(id);
  });
  const byId = new Map(products.map((product) => [product.id.toLowerCase(), product]));
  const items = lines.map((line) => {
    const product = byId.get(line.productId.toLowerCase());
    if (!product?.active) throw Catering.errors.productUnavailable.error(`Product ${line.productId} cannot be ordered.`);
    return { productId: product.id, sku: product.sku, name: product.name, unitPriceCents: product.priceCents, quantity: line.quantity, lineTotalCents: product.priceCents * line.quantity };
  });
  const currencies = new Set(items.map((item) => byId.get(item.productId)?.currency as string));
  if (currencies.size > 1) throw Catering.errors.mixedCurrency.error("All products of a request must have the same currency.");
  const subtotalCents = items.reduce((sum, item) => sum + item.lineTotalCents, 0);
  const percent = discountPercent(guests);
  const discountCents = Math.floor((subtotalCents * percent) / 100);
  return { items, subtotalCents, discountPercent: percent, discountCents, totalCents: subtotalCents - discountCents, currency: [...currencies][0] as string };
}

const DAY_MS = 86_400_000;

/** Whole UTC calendar days: the event is 2 to 365 days after today, both ends included. */
export function eventDateInRange(eventDate: string, now: Date): boolean {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const days = (Date.parse(`${eventDate}T00:00:00Z`) - today) / DAY_MS;
  return days >= 2 && days <= 365;
}
