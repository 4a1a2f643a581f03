/**
 * Catalog v2 beside v1 (docs/api.md, Catalog v2): one set of products through both versions, money as a
 * decimal string in v2, and every v1 catalog answer pointing at its successor. Run against every
 * topology.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, type Topology } from "../support/topology.ts";
import { client } from "./http.ts";

const DEPRECATION = "@1796083200";
const SUNSET = "Tue, 01 Jun 2027 00:00:00 GMT";

export function catalogV2Suite(topology: () => Topology) {
  const api = client(() => topology().baseUrl);
  const sku = () => `V2-${randomUUID().slice(0, 8)}`;
  let admin: string;

  beforeAll(async () => {
    admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
  });

  describe("catalog v2", () => {
    it("serves the products of v1 and v1 serves those of v2, money written in each version's way", async () => {
      const viaV2 = await api("POST", "/v2/products", { token: admin, body: { sku: sku(), name: "Dinar lamp", price: { amount: "1.250", currency: "BHD" } } });
      expect(viaV2.status).toBe(201);
      expect(viaV2.headers.get("location")).toBe(`/v2/products/${viaV2.body.id}`);
      expect(viaV2.body).toMatchObject({ price: { amount: "1.250", currency: "BHD" }, active: true });
      expect(viaV2.body).not.toHaveProperty("priceCents");
      expect((await api("GET", `/v1/products/${viaV2.body.id}`)).body).toMatchObject({ priceCents: 1250, currency: "BHD" });

      const viaV1 = await api("POST", "/v1/products", { token: admin, body: { sku: sku(), name: "Yen bowl", priceCents: 1200, currency: "JPY" } });
      expect((await api("GET", `/v2/products/${viaV1.body.id}`)).body.price).toEqual({ amount: "1200", currency: "JPY" });
      const free = await api("POST", "/v1/products", { token: admin, body: { sku: sku(), name: "Free sample", priceCents: 0, currency: "EUR" } });
      expect((await api("GET", `/v2/products/${free.body.id}`)).body.price).toEqual({ amount: "0.00", currency: "EUR" });
      const cents = await api("POST", "/v1/products", { token: admin, body: { sku: sku(), name: "Penny", priceCents: 5, currency: "EUR" } });
      expect((await api("GET", `/v2/products/${cents.body.id}`)).body.price).toEqual({ amount: "0.05", currency: "EUR" });
      // A code ISO 4217 does not list is written with 2 decimals.
      const unlisted = await api("POST", "/v2/products", { token: admin, body: { sku: sku(), name: "Token", price: { amount: "3.10", currency: "BUP" } } });
      expect(unlisted.status).toBe(201);
      expect((await api("GET", `/v1/products/${unlisted.body.id}`)).body).toMatchObject({ priceCents: 310 });
    });

    it("refuses an amount of the wrong shape, decimals or size with 400 at /price/amount, and creates nothing", async () => {
      const cases: [string, string][] = [
        ["012.34", "EUR"], [".50", "EUR"], ["12.3", "EUR"], ["12.345", "EUR"], ["-1.00", "EUR"], ["+1.00", "EUR"], ["1e3", "EUR"],
        ["1 000.00", "EUR"], ["1,00", "EUR"], ["12.34", "JPY"], ["1.25", "BHD"], ["1000000.01", "EUR"], ["100000001", "JPY"], ["", "EUR"], ["١٢.٣٤", "EUR"],
      ];
      for (const [amount, currency] of cases) {
        const code = sku();
        const refused = await api("POST", "/v2/products", { token: admin, body: { sku: code, name: "Refused", price: { amount, currency } } });
        expect(refused.status, `${amount} ${currency}`).toBe(400);
        expect(refused.body.errors.map((e: { path: string }) => e.path), `${amount} ${currency}`).toEqual(["/price/amount"]);
        const listed = await api("GET", `/v2/products?q=Refused&limit=100`);
        expect(listed.body.items.some((p: { sku: string }) => p.sku === code)).toBe(false);
      }
      for (const [amount, currency] of [["1000000.00", "EUR"], ["100000000", "JPY"], ["100000.000", "BHD"]] as const) {
        expect((await api("POST", "/v2/products", { token: admin, body: { sku: sku(), name: "Dearest", price: { amount, currency } } })).status, amount).toBe(201);
      }
    });

    it("PATCH changes the price only whole, and DELETE answers 204 as v1", async () => {
      const product = (await api("POST", "/v2/products", { token: admin, body: { sku: sku(), name: "Chair", price: { amount: "10.00", currency: "EUR" } } })).body;
      const changed = await api("PATCH", `/v2/products/${product.id}`, { token: admin, body: { price: { amount: "1500", currency: "JPY" }, name: "Chair, imported" } });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ name: "Chair, imported", price: { amount: "1500", currency: "JPY" } });
      const half = await api("PATCH", `/v2/products/${product.id}`, { token: admin, body: { price: { amount: "12.00" } } });
      expect(half.status).toBe(400);
      expect(half.body.errors.map((e: { path: string }) => e.path)).toEqual(["/price/currency"]);
      expect((await api("PATCH", `/v2/products/${product.id}`, { token: admin, body: {} })).status).toBe(400);
      expect((await api("GET", `/v1/products/${product.id}`)).body).toMatchObject({ priceCents: 1500, currency: "JPY" });
      expect((await api("DELETE", `/v2/products/${product.id}`, { token: admin })).status).toBe(204);
      expect((await api("GET", `/v2/products/${product.id}`)).body.active).toBe(false);
      expect((await api("POST", `/v2/products/${product.id}/activate`, { token: admin })).body).toMatchObject({ active: true, price: { amount: "1500", currency: "JPY" } });
    });

    it("pages with its own cursors: a cursor of one version is 400 in the other", async () => {
      const category = `v2-${randomUUID().slice(0, 8)}`;
      for (let i = 0; i < 3; i++) await api("POST", "/v2/products", { token: admin, body: { sku: sku(), name: `Paged ${i}`, category, price: { amount: "1.00", currency: "EUR" } } });
      const first = await api("GET", `/v2/products?category=${category}&limit=2`);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.items[0].price).toEqual({ amount: "1.00", currency: "EUR" });
      const second = await api("GET", `/v2/products?category=${category}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body).toMatchObject({ items: [expect.objectContaining({ name: "Paged 0" })], nextCursor: null });

      const v1Cursor = (await api("GET", `/v1/products?category=${category}&limit=2`)).body.nextCursor;
      const mixedIntoV2 = await api("GET", `/v2/products?category=${category}&cursor=${encodeURIComponent(v1Cursor)}`);
      expect(mixedIntoV2.status).toBe(400);
      expect(mixedIntoV2.body.errors[0].path).toBe("/query/cursor");
      const mixedIntoV1 = await api("GET", `/v1/products?category=${category}&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(mixedIntoV1.status).toBe(400);
      expect(mixedIntoV1.body.errors[0].path).toBe("/query/cursor");
    });

    it("serves conditional reads with its own ETag", async () => {
      const product = (await api("POST", "/v2/products", { token: admin, body: { sku: sku(), name: "Tagged", price: { amount: "2.00", currency: "EUR" } } })).body;
      const read = await api("GET", `/v2/products/${product.id}`);
      const tag = read.headers.get("etag") as string;
      expect(tag).toMatch(/^"/);
      expect(tag).not.toBe((await api("GET", `/v1/products/${product.id}`)).headers.get("etag"));
      expect((await api("GET", `/v2/products/${product.id}`, { headers: { "if-none-match": tag } })).status).toBe(304);
    });
  });

  describe("catalog v1, superseded by v2", () => {
    it("answers as before, with Deprecation, Sunset and its v2 twin on every answer, errors included", async () => {
      const product = (await api("POST", "/v1/products", { token: admin, body: { sku: sku(), name: "Old way", priceCents: 100, currency: "EUR" } })).body;
      const answers: [Awaited<ReturnType<typeof api>>, string][] = [
        [await api("GET", `/v1/products/${product.id}`), `/v2/products/${product.id}`],
        [await api("GET", "/v1/products?limit=1"), "/v2/products"],
        [await api("GET", `/v1/products/${randomUUID()}`), "/v2/products/"],
        [await api("GET", "/v1/products/not-an-id"), "/v2/products/not-an-id"],
        [await api("POST", "/v1/products", { body: { sku: sku(), name: "x", priceCents: 1, currency: "EUR" } }), "/v2/products"],
        [await api("PATCH", `/v1/products/${product.id}`, { token: admin, body: { priceCents: 200 } }), `/v2/products/${product.id}`],
      ];
      expect(answers.map(([answer]) => answer.status)).toEqual([200, 200, 404, 400, 401, 200]);
      for (const [answer, successor] of answers) {
        expect(answer.headers.get("deprecation")).toBe(DEPRECATION);
        expect(answer.headers.get("sunset")).toBe(SUNSET);
        expect(answer.headers.get("link")).toMatch(new RegExp(`^<${successor}[^>]*>; rel="successor-version"$`));
      }
      expect(answers[0]?.[0].body).toMatchObject({ priceCents: 100, currency: "EUR" });
    });

    it("v2 and the routes no version supersedes carry none of it; the document marks v1 deprecated", async () => {
      for (const path of ["/v2/products?limit=1", "/health/ready", `/v1/inventory/${randomUUID()}`]) {
        const answer = await api("GET", path);
        expect([answer.headers.get("deprecation"), answer.headers.get("sunset"), answer.headers.get("link")], path).toEqual([null, null, null]);
      }
      const { body } = await api("GET", "/docs/json");
      const operations = (prefix: string) => Object.entries(body.paths as Record<string, Record<string, { deprecated?: boolean }>>).filter(([route]) => route.startsWith(prefix)).flatMap(([, item]) => Object.values(item));
      expect(operations("/v1/products").length).toBeGreaterThanOrEqual(6);
      expect(operations("/v1/products").every((operation) => operation.deprecated === true)).toBe(true);
      expect(operations("/v2/products")).toHaveLength(operations("/v1/products").length);
      expect(operations("/v2/products").some((operation) => operation.deprecated)).toBe(false);
      expect(operations("/v1/auth").some((operation) => operation.deprecated)).toBe(false);
      expect(body.paths["/v2/products/{id}"].get.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ProductV2" });
    });
  });
}
