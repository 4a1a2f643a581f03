import { describe, expect, it } from "vitest";
import type { Product } from "../../catalog/contract.ts";
import { discountPercent, eventDateInRange, quote } from "./pricing.ts";

const product = (id: string, priceCents: number, currency = "EUR", active = true) => ({ id, sku: `S-${id}`, name: `P ${id}`, priceCents, currency, active }) as Product;
const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";

describe("catering pricing", () => {
  it("gives 0 % below 50 guests, 10 % from 50, 15 % from 200", () => {
    expect([1, 49, 50, 199, 200, 5000].map(discountPercent)).toEqual([0, 0, 10, 10, 15, 15]);
  });

  it("snapshots each line and floors the discount", () => {
    const priced = quote([{ productId: A, quantity: 3 }, { productId: B, quantity: 1 }], 60, [product(A, 333), product(B, 1)]);
    expect(priced).toEqual({
      items: [
        { productId: A, sku: `S-${A}`, name: `P ${A}`, unitPriceCents: 333, quantity: 3, lineTotalCents: 999 },
        { productId: B, sku: `S-${B}`, name: `P ${B}`, unitPriceCents: 1, quantity: 1, lineTotalCents: 1 },
      ],
      subtotalCents: 1000,
      discountPercent: 10,
      discountCents: 100,
      totalCents: 900,
      currency: "EUR",
    });
    expect(quote([{ productId: A, quantity: 1 }], 200, [product(A, 999)])).toMatchObject({ subtotalCents: 999, discountCents: 149, totalCents: 850 });
  });

  it("refuses unknown or inactive products, mixed currencies and a product listed twice", () => {
    expect(() => quote([{ productId: A, quantity: 1 }], 1, [])).toThrow(expect.objectContaining({ type: "product_unavailable" }));
    expect(() => quote([{ productId: A, quantity: 1 }], 1, [product(A, 1, "EUR", false)])).toThrow(expect.objectContaining({ type: "product_unavailable" }));
    expect(() => quote([{ productId: A, quantity: 1 }, { productId: B, quantity: 1 }], 1, [product(A, 1), product(B, 1, "USD")])).toThrow(expect.objectContaining({ type: "mixed_currency" }));
    expect(() => quote([{ productId: A, quantity: 1 }, { productId: A.toUpperCase(), quantity: 1 }], 1, [product(A, 1)])).toThrow(expect.objectContaining({ type: "validation_failed" }));
  });

  it("takes events 2 to 365 whole UTC days after today, both ends included", () => {
    const now = new Date("2026-12-02T23:59:59Z");
    expect(["2026-12-03", "2026-12-04", "2027-12-02", "2027-12-03"].map((date) => eventDateInRange(date, now))).toEqual([false, true, true, false]);
    expect(eventDateInRange("2026-12-04", new Date("2026-12-02T00:00:00Z"))).toBe(true);
  });
});
