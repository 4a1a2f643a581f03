import { describe, expect, it } from "vitest";
import { distinctProducts, priceLines, type CatalogProduct } from "./price-order.ts";

const product = (id: string, priceCents: number, extra: Partial<CatalogProduct> = {}): CatalogProduct => ({
  id,
  sku: `SKU-${id}`,
  name: `Product ${id}`,
  priceCents,
  currency: "EUR",
  active: true,
  ...extra,
});

describe("priceLines", () => {
  it("snapshots prices and totals the lines", () => {
    const priced = priceLines([{ productId: "a", quantity: 2 }, { productId: "b", quantity: 1 }], [product("a", 250), product("b", 1000)]);
    expect(priced.totalCents).toBe(1500);
    expect(priced.currency).toBe("EUR");
    expect(priced.items[0]).toEqual({ productId: "a", sku: "SKU-a", name: "Product a", unitPriceCents: 250, quantity: 2, lineTotalCents: 500 });
  });

  it("refuses unknown and inactive products", () => {
    expect(() => priceLines([{ productId: "x", quantity: 1 }], [])).toThrow(expect.objectContaining({ type: "product_unavailable" }));
    expect(() => priceLines([{ productId: "a", quantity: 1 }], [product("a", 1, { active: false })])).toThrow(expect.objectContaining({ code: 409 }));
  });

  it("refuses mixed currencies", () => {
    const products = [product("a", 1), product("b", 1, { currency: "USD" })];
    expect(() => priceLines([{ productId: "a", quantity: 1 }, { productId: "b", quantity: 1 }], products)).toThrow(expect.objectContaining({ code: 422, type: "mixed_currency" }));
  });
});

describe("distinctProducts", () => {
  it("points at the line that repeats a product", () => {
    expect(() => distinctProducts([{ productId: "A" }, { productId: "b" }, { productId: "a" }])).toThrow(
      expect.objectContaining({ data: { errors: [{ path: "/items/2/productId", message: "lists a product that an earlier line already lists" }] } }),
    );
  });
});
