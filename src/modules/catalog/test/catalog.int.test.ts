import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AuthUser } from "../../../broker/auth.ts";
import { failureOf, startModule, type ModuleHarness } from "../../../../test/support/module-harness.ts";
import { catalogModule } from "../catalog.service.ts";
import { Catalog, type Product } from "../contract.ts";

const { createProduct, updateProduct, deactivateProduct, activateProduct, getProduct, getProducts, listProducts, listInactiveProducts } = Catalog.actions;
const admin: AuthUser = { id: "00000000-0000-4000-8000-000000000001", roles: ["admin"] };
const customer: AuthUser = { id: "00000000-0000-4000-8000-000000000002", roles: ["customer"] };
const UNKNOWN = "00000000-0000-4000-8000-0000000000ff";

let harness: ModuleHarness;
const events: { name: string; payload: Product }[] = [];

beforeAll(async () => {
  harness = await startModule(catalogModule);
  await harness.events.subscribe("recorder", Object.keys(Catalog.events), async (envelope) => {
    events.push({ name: envelope.name, payload: envelope.payload as Product });
  });
});
afterAll(() => harness?.close());

const newProduct = (sku: string, extra: Partial<Product> = {}) =>
  harness.call(createProduct, { sku, name: `Product ${sku}`, priceCents: 100, currency: "EUR", ...extra }, admin);

describe("catalog.createProduct", () => {
  it("adds an active product with defaults and announces it", async () => {
    const product = await newProduct("TEA-1");
    expect(product).toMatchObject({ sku: "TEA-1", description: "", category: null, active: true });
    await vi.waitFor(() => expect(events).toContainEqual({ name: "catalog.product.created", payload: product }));
  });

  it("is for admins only", async () => {
    const params = { sku: "X-1", name: "X", priceCents: 1, currency: "EUR" };
    expect(await failureOf(harness.call(createProduct, params))).toMatchObject({ status: 401, code: "unauthorized" });
    expect(await failureOf(harness.call(createProduct, params, customer))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await harness.db.query("select 1 from catalog.products where sku = 'X-1'")).toHaveLength(0);
  });

  it("refuses a sku that exists in any case, and announces nothing", async () => {
    expect(await failureOf(newProduct("tea-1"))).toMatchObject({ status: 409, code: "sku_taken" });
    const staged = await harness.db.query("select 1 from catalog.outbox where payload->>'sku' = 'tea-1'");
    expect(staged).toHaveLength(0);
  });

  it("refuses out-of-range prices and unknown fields", async () => {
    const failure = await failureOf(newProduct("BAD-1", { priceCents: 100_000_001, active: false }));
    expect(failure).toMatchObject({ status: 400, code: "validation_failed" });
    expect((failure.data as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual(["/active", "/priceCents"]);
  });
});

describe("catalog.updateProduct", () => {
  it("changes the given fields only", async () => {
    const product = await newProduct("MUG-1", { category: "kitchen" });
    const updated = await harness.call(updateProduct, { id: product.id, changes: { priceCents: 250, category: null } }, admin);
    expect(updated).toMatchObject({ sku: "MUG-1", priceCents: 250, category: null, name: product.name });
    await vi.waitFor(() => expect(events).toContainEqual({ name: "catalog.product.updated", payload: updated }));
  });

  it("needs at least one change and a known product", async () => {
    const product = await newProduct("MUG-2");
    expect(await failureOf(harness.call(updateProduct, { id: product.id, changes: {} }, admin))).toMatchObject({ status: 400 });
    expect(await failureOf(harness.call(updateProduct, { id: UNKNOWN, changes: { name: "n" } }, admin))).toMatchObject({ status: 404 });
  });
});

describe("catalog.deactivateProduct", () => {
  it("hides the product from listings but keeps it readable and its sku taken", async () => {
    const product = await newProduct("OLD-1", { category: "retired" });
    const first = await harness.call(deactivateProduct, { id: product.id }, admin);
    const again = await harness.call(deactivateProduct, { id: product.id }, admin);
    expect(first.active).toBe(false);
    expect(again).toEqual(first);
    await vi.waitFor(() => expect(events.filter((e) => e.name === "catalog.product.deactivated" && e.payload.id === product.id)).toHaveLength(1));
    expect((await harness.call(getProduct, { id: product.id })).active).toBe(false);
    expect((await harness.call(listProducts, { category: "retired" })).items).toEqual([]);
    expect(await failureOf(newProduct("old-1"))).toMatchObject({ code: "sku_taken" });
  });
});

describe("catalog.activateProduct and listInactiveProducts", () => {
  it("lists an inactive product for admins only, and makes it orderable again, publishing once", async () => {
    const product = await newProduct("BACK-1", { category: "comeback" });
    await harness.call(deactivateProduct, { id: product.id }, admin);
    expect((await harness.call(listInactiveProducts, { category: "comeback" }, admin)).items.map((item) => item.id)).toEqual([product.id]);
    expect(await failureOf(harness.call(listInactiveProducts, { category: "comeback" }, customer))).toMatchObject({ status: 403 });
    const first = await harness.call(activateProduct, { id: product.id }, admin);
    const again = await harness.call(activateProduct, { id: product.id }, admin);
    expect(first.active).toBe(true);
    expect(again).toEqual(first);
    await vi.waitFor(() => expect(events.filter((e) => e.name === "catalog.product.activated" && e.payload.id === product.id)).toHaveLength(1));
    expect((await harness.call(listProducts, { category: "comeback" })).items.map((item) => item.id)).toEqual([product.id]);
    expect((await harness.call(listInactiveProducts, { category: "comeback" }, admin)).items).toEqual([]);
    expect(await failureOf(harness.call(activateProduct, { id: UNKNOWN }, admin))).toMatchObject({ status: 404, code: "not_found" });
  });
});

describe("catalog.listProducts", () => {
  beforeAll(async () => {
    await newProduct("CHOC-1", { name: "Dark Chocolate", description: "Seventy percent cocoa", category: "sweets" });
    await newProduct("CHOC-2", { name: "Milk chocolate", description: "Creamy bar", category: "sweets" });
    await newProduct("COCOA-1", { name: "Cocoa powder", description: "For baking", category: "baking" });
    await newProduct("SITE-1", { name: "Gift card 7f3a-9c1e", description: "Redeem at shop.example.com", category: "gifts" });
  });

  it("finds whole words and a prefix of the last word, case-insensitively", async () => {
    const skus = async (q: string) => (await harness.call(listProducts, { q })).items.map((p) => p.sku).sort();
    expect(await skus("choc")).toEqual(["CHOC-1", "CHOC-2"]);
    expect(await skus("DARK choc")).toEqual(["CHOC-1"]);
    expect(await skus("cocoa")).toEqual(["CHOC-1", "COCOA-1"]);
    expect(await skus("chocolate bar")).toEqual(["CHOC-2"]);
    expect(await skus("!!")).toEqual([]);
    expect(await skus("a' | !b & (c):*")).toEqual([]);
    expect(await skus("choc-1")).toEqual([]);
  });

  it("splits words as the index did: hyphens, dots and digits", async () => {
    const skus = async (q: string) => (await harness.call(listProducts, { q })).items.map((p) => p.sku);
    expect(await skus("shop.example.com")).toEqual(["SITE-1"]);
    expect(await skus("7f3a-9c1e")).toEqual(["SITE-1"]);
    // Hex that the parser reads as a number with an exponent, e.g. 637e40.
    await newProduct("NUM-1", { name: "Code NUM-637e40fe" });
    expect(await skus("num-637e40fe")).toEqual(["NUM-1"]);
  });

  it("filters by exact category", async () => {
    const page = await harness.call(listProducts, { category: "sweets" });
    expect(page.items.map((p) => p.sku).sort()).toEqual(["CHOC-1", "CHOC-2"]);
  });

  it("pages newest first without gaps or repeats", async () => {
    const all = await harness.call(listProducts, { limit: 100 });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: { items: Product[]; nextCursor: string | null } = await harness.call(listProducts, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.items.map((p) => p.id));
    expect(all.items.length).toBeGreaterThanOrEqual(6);
  });

  it("refuses a cursor it did not issue", async () => {
    for (const cursor of ["garbage", Buffer.from('["x","y"]').toString("base64url")]) {
      expect(await failureOf(harness.call(listProducts, { cursor }))).toMatchObject({ status: 400, code: "validation_failed" });
    }
  });
});

describe("catalog.getProduct", () => {
  it("is 404 for an unknown id and 400 for a malformed one", async () => {
    expect(await failureOf(harness.call(getProduct, { id: UNKNOWN }))).toMatchObject({ status: 404, code: "not_found" });
    expect(await failureOf(harness.call(getProduct, { id: "1234" }))).toMatchObject({ status: 400 });
  });

  it("answers reads that arrive together, as they are read together, each with its own product", async () => {
    const products = await Promise.all(["TOGETHER-1", "TOGETHER-2", "TOGETHER-3"].map((sku) => newProduct(sku)));
    const reads = await Promise.all([
      ...products.map((product) => harness.call(getProduct, { id: product.id })),
      harness.call(getProduct, { id: (products[1] as Product).id.toUpperCase() }),
      failureOf(harness.call(getProduct, { id: UNKNOWN })),
      harness.callAsModule(getProducts, { ids: [(products[2] as Product).id, (products[0] as Product).id.toUpperCase(), (products[0] as Product).id] }, "orders"),
    ]);
    expect(reads.slice(0, 4).map((read) => (read as Product).sku)).toEqual(["TOGETHER-1", "TOGETHER-2", "TOGETHER-3", "TOGETHER-2"]);
    expect(reads[4]).toMatchObject({ status: 404 });
    // Each product once (ids compare as UUIDs), in the order asked.
    expect((reads[5] as { items: Product[] }).items.map((product) => product.sku)).toEqual(["TOGETHER-3", "TOGETHER-1"]);
  });

  it("sees a change as soon as the change has been answered", async () => {
    const product = await newProduct("FRESH-1");
    for (let price = 200; price < 210; price++) {
      const reading = Promise.all([harness.call(getProduct, { id: product.id }), harness.call(getProduct, { id: product.id })]);
      await harness.call(updateProduct, { id: product.id, changes: { priceCents: price } }, admin);
      await reading;
      expect((await harness.call(getProduct, { id: product.id })).priceCents).toBe(price);
    }
  });
});

describe("catalog.getProducts", () => {
  it("answers known products, active or not, to other modules only", async () => {
    const a = await newProduct("BATCH-1");
    const b = await newProduct("BATCH-2");
    await harness.call(deactivateProduct, { id: b.id }, admin);
    const asModule = await harness.callAsModule(getProducts, { ids: [a.id, b.id, UNKNOWN] }, "orders");
    expect(asModule.items.map((p) => [p.sku, p.active]).sort()).toEqual([["BATCH-1", true], ["BATCH-2", false]]);
    expect(await failureOf(harness.call(getProducts, { ids: [a.id] }, admin))).toMatchObject({ status: 403, code: "forbidden" });
  });
});
