/**
 * Catering over HTTP (docs/api.md, Catering) with the real catalog and inventory: quoted from the
 * catalog, held only once confirmed, and never overselling together with shop orders. Run against
 * every topology.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, type Topology } from "../support/topology.ts";
import { client } from "./http.ts";

export function cateringSuite(topology: () => Topology) {
  const api = client(() => topology().baseUrl);
  let admin: string;
  let customer: string;
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

  async function stockedProduct(available: number, priceCents = 450): Promise<string> {
    const made = await api("POST", "/v1/products", { token: admin, body: { sku: `CAT-${randomUUID().slice(0, 8)}`, name: "Mini quiche", priceCents, currency: "EUR" } });
    await api("PUT", `/v1/inventory/${made.body.id}`, { token: admin, body: { available } });
    return made.body.id;
  }
  const stock = async (productId: string) => (await api("GET", `/v1/inventory/${productId}`)).body;

  beforeAll(async () => {
    admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
    const email = `caterer-${randomUUID().slice(0, 8)}@example.com`;
    await api("POST", "/v1/auth/register", { body: { email, password: "a fine password", name: "Event Host" } });
    customer = (await api("POST", "/v1/auth/login", { body: { email, password: "a fine password" } })).body.accessToken;
  });

  describe("catering", () => {
    it("quotes a request, holds it once confirmed however far the event, and sells it once fulfilled", async () => {
      const productId = await stockedProduct(100);
      const made = await api("POST", "/v1/catering/requests", { token: customer, body: { eventDate: inDays(300), guests: 120, items: [{ productId, quantity: 80 }], notes: "no nuts" } });
      expect(made.status).toBe(201);
      expect(made.headers.get("location")).toBe(`/v1/catering/requests/${made.body.id}`);
      expect(made.body).toMatchObject({ status: "requested", subtotalCents: 36_000, discountPercent: 10, discountCents: 3600, totalCents: 32_400, currency: "EUR", notes: "no nuts", declineReason: null });
      expect(await stock(productId)).toMatchObject({ available: 100, reserved: 0 });

      expect((await api("POST", `/v1/catering/requests/${made.body.id}/confirm`, { token: customer })).status).toBe(403);
      const confirmed = await api("POST", `/v1/catering/requests/${made.body.id}/confirm`, { token: admin });
      expect(confirmed.body.status).toBe("confirmed");
      expect(await stock(productId)).toMatchObject({ available: 20, reserved: 80, sold: 0 });

      // Shop orders see only what the event leaves.
      const tooMany = await api("POST", "/v1/orders", { token: customer, body: { items: [{ productId, quantity: 21 }], paymentToken: "tok_visa" } });
      expect(tooMany).toMatchObject({ status: 409, body: { code: "out_of_stock" } });
      expect((await api("POST", "/v1/orders", { token: customer, body: { items: [{ productId, quantity: 20 }], paymentToken: "tok_visa" } })).status).toBe(201);

      const fulfilled = await api("POST", `/v1/catering/requests/${made.body.id}/fulfil`, { token: admin });
      expect(fulfilled.body.status).toBe("fulfilled");
      const after = await stock(productId);
      expect(after.available + after.reserved + after.sold).toBe(100);
      expect(after.sold).toBeGreaterThanOrEqual(80);
      expect((await api("GET", `/v1/catering/requests/${made.body.id}`, { token: customer })).body).toMatchObject({ status: "fulfilled", eventDate: inDays(300), guests: 120 });
    });

    it("a confirmation short of stock is 409 and leaves the request requested; a cancellation gives held units back", async () => {
      const productId = await stockedProduct(10);
      const big = (await api("POST", "/v1/catering/requests", { token: customer, body: { eventDate: inDays(10), guests: 20, items: [{ productId, quantity: 11 }] } })).body;
      const refused = await api("POST", `/v1/catering/requests/${big.id}/confirm`, { token: admin });
      expect(refused).toMatchObject({ status: 409, body: { code: "out_of_stock", productIds: [productId] } });
      expect((await api("GET", `/v1/catering/requests/${big.id}`, { token: customer })).body.status).toBe("requested");

      const small = (await api("POST", "/v1/catering/requests", { token: customer, body: { eventDate: inDays(10), guests: 20, items: [{ productId, quantity: 6 }] } })).body;
      await api("POST", `/v1/catering/requests/${small.id}/confirm`, { token: admin });
      expect(await stock(productId)).toMatchObject({ available: 4, reserved: 6 });
      expect((await api("POST", `/v1/catering/requests/${small.id}/cancel`, { token: customer })).body.status).toBe("cancelled");
      expect(await stock(productId)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect((await api("POST", `/v1/catering/requests/${small.id}/cancel`, { token: customer })).body).toMatchObject({ code: "invalid_state" });

      // No body at all, as the document allows (its requestBody is optional).
      const declined = await api("POST", `/v1/catering/requests/${big.id}/decline`, { token: admin });
      expect(declined.body).toMatchObject({ status: "declined", declineReason: null });
      expect((await api("GET", "/docs/json")).body.paths["/v1/catering/requests/{id}/decline"].post.requestBody.required).toBe(false);
      const listed = await api("GET", "/v1/catering/requests?status=declined&limit=100", { token: customer });
      expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(big.id);
    });

    it("answers bad input with problems and changes nothing", async () => {
      const productId = await stockedProduct(5);
      const body = (eventDate: string, extra: object = {}) => ({ token: customer, body: { eventDate, guests: 10, items: [{ productId, quantity: 1 }], ...extra } });
      expect((await api("POST", "/v1/catering/requests", body(inDays(1)))).body.code).toBe("event_date_out_of_range");
      expect((await api("POST", "/v1/catering/requests", body(inDays(366)))).status).toBe(422);
      expect((await api("POST", "/v1/catering/requests", body("2027-13-01"))).body.errors[0].path).toBe("/eventDate");
      expect((await api("POST", "/v1/catering/requests", body(inDays(10), { guests: 5001 }))).status).toBe(400);
      expect((await api("POST", "/v1/catering/requests", { ...body(inDays(10)), token: undefined })).status).toBe(401);
      const other = (await api("POST", "/v1/catering/requests", { ...body(inDays(10)), token: admin })).body;
      expect((await api("GET", `/v1/catering/requests/${other.id}`, { token: customer })).status).toBe(404);
      expect((await api("GET", "/v1/catering/requests?status=lost", { token: customer })).status).toBe(400);
      expect((await api("GET", `/v1/catering/requests?userId=${randomUUID()}`, { token: customer })).status).toBe(403);
      expect((await api("POST", `/v1/catering/requests/${other.id}/decline`, { token: admin, body: { reason: "x".repeat(501) } })).status).toBe(400);
      expect(await stock(productId)).toMatchObject({ available: 5, reserved: 0 });
    });
  });
}
