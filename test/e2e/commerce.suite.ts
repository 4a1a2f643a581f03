/**
 * Inventory, orders and payments over HTTP, as docs/api.md describes them, run unchanged
 * against every topology.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN, type Topology } from "../support/topology.ts";
import { createClient } from "../../clients/typescript/src/index.ts";
import { checkedFetch, client, isProblem } from "./http.ts";

export function commerceSuite(topology: () => Topology) {
  const api = client(() => topology().baseUrl);
  let adminToken: string;

  async function customer(): Promise<string> {
    const email = `buyer-${randomUUID().slice(0, 8)}@example.com`;
    expect((await api("POST", "/v1/auth/register", { body: { email, password: "buyer password", name: "Buyer" } })).status).toBe(201);
    return (await api("POST", "/v1/auth/login", { body: { email, password: "buyer password" } })).body.accessToken;
  }

  async function product(stock: number, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await api("POST", "/v1/products", {
      token: adminToken,
      body: { sku: `C-${randomUUID().slice(0, 12)}`, name: "Commerce item", priceCents: 1500, currency: "EUR", ...extra },
    });
    expect(created.status).toBe(201);
    expect((await api("PUT", `/v1/inventory/${created.body.id}`, { token: adminToken, body: { available: stock } })).status).toBe(200);
    return created.body.id;
  }

  const stockOf = async (productId: string) => (await api("GET", `/v1/inventory/${productId}`)).body;
  const order = (token: string, items: { productId: string; quantity: number }[], paymentToken = "tok_visa", key?: string) =>
    api("POST", "/v1/orders", { token, body: { items, paymentToken }, headers: key === undefined ? {} : { "idempotency-key": key } });
  const settled = async (token: string, id: string, status: string) => {
    await vi.waitFor(async () => expect((await api("GET", `/v1/orders/${id}`, { token })).body.status).toBe(status), { timeout: 15_000, interval: 100 });
  };

  beforeAll(async () => {
    adminToken = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
  });

  describe("the shipped TypeScript client (clients/typescript)", () => {
    it("drives a whole purchase, renewing a refused session by itself, and signs out", async () => {
      const shop = createClient(topology().baseUrl, { fetch: checkedFetch(() => topology().baseUrl) });
      const email = `client-${randomUUID().slice(0, 8)}@example.com`;
      expect((await shop.POST("/v1/auth/register", { body: { email, password: "client password", name: "Client" } })).response.status).toBe(201);
      expect(await shop.signIn(email, "wrong password")).toBe(false);
      expect(await shop.signIn(email, "client password")).toBe(true);
      const productId = await product(4, { category: `client-${randomUUID().slice(0, 8)}` });
      const { data: found } = await shop.GET("/v1/products/{id}", { params: { path: { id: productId } } });
      expect(found?.priceCents).toBe(1500);
      const { error: refused } = await shop.POST("/v1/orders", { body: { items: [{ productId, quantity: 5 }], paymentToken: "tok_visa" } });
      expect(refused?.code).toBe("out_of_stock");
      const { data: placed } = await shop.POST("/v1/orders", { body: { items: [{ productId, quantity: 2 }], paymentToken: "tok_visa" } });
      expect(placed?.totalCents).toBe(3000);
      // An access token the server refuses (as an expired one is): the client renews its session and goes on.
      const stale = createClient(topology().baseUrl, { fetch: checkedFetch(() => topology().baseUrl), session: { accessToken: "expired", refreshToken: shop.session?.refreshToken as string } });
      await vi.waitFor(async () => expect((await stale.GET("/v1/orders/{id}", { params: { path: { id: placed?.id as string } } })).data?.status).toBe("paid"), { timeout: 15_000, interval: 100 });
      expect(stale.session?.accessToken).not.toBe("expired");
      const { data: payments } = await stale.GET("/v1/payments", { params: { query: { orderId: placed?.id as string } } });
      expect(payments?.items.map((payment) => payment.status)).toEqual(["captured"]);
      await stale.signOut();
      expect(stale.session).toBeUndefined();
      expect((await stale.GET("/v1/auth/me")).response.status).toBe(401);
    });
  });

  describe("GET /metrics", () => {
    it("exposes HTTP latency by route and what the modules of this process measure", async () => {
      const buyer = await customer();
      expect((await order(buyer, [{ productId: await product(1), quantity: 1 }])).status).toBe(201);
      const metrics = await api("GET", "/metrics");
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get("content-type")).toContain("text/plain");
      expect(metrics.body).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/v1\/orders",status_code="201"\} \d+/);
      if (topology().name === "one-process") {
        expect(metrics.body).toMatch(/bazaar_action_duration_seconds_count\{action="orders.placeOrder",outcome="ok"\} \d+/);
        expect(metrics.body).toMatch(/bazaar_orders_placed_total \d+/);
      }
    });
  });

  describe("GET/PUT /v1/inventory/:productId", () => {
    it("reads zeros for a product never stocked and lets an admin stock a known product", async () => {
      const id = randomUUID();
      expect((await api("GET", `/v1/inventory/${id}`)).body).toEqual({ productId: id, available: 0, reserved: 0, sold: 0 });
      expect(isProblem(await api("PUT", `/v1/inventory/${id}`, { token: adminToken, body: { available: 5 } }), 404, "not_found")).toBe(true);
      const productId = await product(7);
      expect(await stockOf(productId)).toEqual({ productId, available: 7, reserved: 0, sold: 0 });
      const buyer = await customer();
      expect(isProblem(await api("PUT", `/v1/inventory/${productId}`, { token: buyer, body: { available: 1 } }), 403, "forbidden")).toBe(true);
      expect(isProblem(await api("PUT", `/v1/inventory/${productId}`, { token: adminToken, body: { available: "1" } }), 400, "validation_failed")).toBe(true);
    });
  });

  describe("POST /v1/orders", () => {
    it("accepts an order with snapshotted prices, which becomes paid, with one captured payment and its units sold", async () => {
      const buyer = await customer();
      const productId = await product(10);
      const placed = await order(buyer, [{ productId, quantity: 3 }]);
      expect(placed.status).toBe(201);
      expect(placed.headers.get("location")).toBe(`/v1/orders/${placed.body.id}`);
      expect(placed.body).toMatchObject({ status: "awaiting_payment", totalCents: 4500, currency: "EUR" });
      expect(placed.body.items).toEqual([expect.objectContaining({ productId, unitPriceCents: 1500, quantity: 3, lineTotalCents: 4500 })]);
      await settled(buyer, placed.body.id, "paid");
      const payments = await api("GET", `/v1/payments?orderId=${placed.body.id}`, { token: buyer });
      expect(payments.body.items).toEqual([expect.objectContaining({ orderId: placed.body.id, amountCents: 4500, status: "captured" })]);
      await vi.waitFor(async () => expect(await stockOf(productId)).toEqual({ productId, available: 7, reserved: 0, sold: 3 }));
    });

    it("lists a customer's own payments newest first; only an admin may name another user", async () => {
      const [buyer, other] = [await customer(), await customer()];
      const productId = await product(10);
      // One after the other: payments that arrive together share their transaction's timestamp.
      const first = await order(buyer, [{ productId, quantity: 1 }]);
      await settled(buyer, first.body.id, "paid");
      const second = await order(buyer, [{ productId, quantity: 2 }], "tok_declined");
      await settled(buyer, second.body.id, "cancelled");
      const mine = await api("GET", "/v1/payments?limit=1", { token: buyer });
      expect(mine.body.items).toEqual([expect.objectContaining({ orderId: second.body.id, status: "declined" })]);
      const rest = await api("GET", `/v1/payments?limit=1&cursor=${mine.body.nextCursor}`, { token: buyer });
      expect(rest.body.items).toEqual([expect.objectContaining({ orderId: first.body.id, status: "captured", amountCents: 1500 })]);
      expect((await api("GET", `/v1/payments?cursor=${rest.body.nextCursor ?? mine.body.nextCursor}&limit=5`, { token: buyer })).status).toBe(200);
      expect((await api("GET", "/v1/payments", { token: other })).body).toEqual({ items: [], nextCursor: null });
      const buyerId = (await api("GET", "/v1/auth/me", { token: buyer })).body.id;
      expect(isProblem(await api("GET", `/v1/payments?userId=${buyerId}`, { token: other }), 403, "forbidden")).toBe(true);
      expect((await api("GET", `/v1/payments?userId=${buyerId}`, { token: adminToken })).body.items).toHaveLength(2);
      expect(isProblem(await api("GET", "/v1/payments?cursor=bm9wZQ", { token: buyer }), 400, "validation_failed")).toBe(true);
    });

    it("cancels an order whose payment is declined, and puts its units back", async () => {
      const buyer = await customer();
      const productId = await product(2);
      const placed = await order(buyer, [{ productId, quantity: 2 }], "tok_declined");
      expect(placed.status).toBe(201);
      await settled(buyer, placed.body.id, "cancelled");
      expect((await api("GET", `/v1/orders/${placed.body.id}`, { token: buyer })).body.cancelReason).toBe("payment_declined");
      await vi.waitFor(async () => expect(await stockOf(productId)).toEqual({ productId, available: 2, reserved: 0, sold: 0 }));
      expect((await api("GET", `/v1/payments?orderId=${placed.body.id}`, { token: buyer })).body.items[0].status).toBe("declined");
    });

    it("answers 409 out_of_stock and holds nothing", async () => {
      const buyer = await customer();
      const [plenty, scarce] = [await product(5), await product(1)];
      const refused = await order(buyer, [{ productId: plenty, quantity: 1 }, { productId: scarce, quantity: 2 }]);
      expect(isProblem(refused, 409, "out_of_stock")).toBe(true);
      expect(refused.body.productIds).toEqual([scarce]);
      expect(await stockOf(plenty)).toMatchObject({ available: 5, reserved: 0 });
      expect((await api("GET", "/v1/orders", { token: buyer })).body.items).toEqual([]);
    });

    it("refuses unknown, inactive, duplicated and mixed-currency products, and bad lines", async () => {
      const buyer = await customer();
      const productId = await product(5);
      const dollars = await product(5, { currency: "USD" });
      const retired = await product(5);
      expect((await api("DELETE", `/v1/products/${retired}`, { token: adminToken })).status).toBe(204);
      expect(isProblem(await order(buyer, [{ productId: randomUUID(), quantity: 1 }]), 409, "product_unavailable")).toBe(true);
      expect(isProblem(await order(buyer, [{ productId: retired, quantity: 1 }]), 409, "product_unavailable")).toBe(true);
      expect(isProblem(await order(buyer, [{ productId, quantity: 1 }, { productId: dollars, quantity: 1 }]), 422, "mixed_currency")).toBe(true);
      const twice = await order(buyer, [{ productId, quantity: 1 }, { productId, quantity: 2 }]);
      expect(isProblem(twice, 400, "validation_failed")).toBe(true);
      expect(twice.body.errors).toEqual([expect.objectContaining({ path: "/items/1/productId" })]);
      for (const bad of [
        { items: [], paymentToken: "tok_visa" },
        { items: [{ productId, quantity: 0 }], paymentToken: "tok_visa" },
        { items: [{ productId, quantity: 1001 }], paymentToken: "tok_visa" },
        { items: [{ productId, quantity: "1" }], paymentToken: "tok_visa" },
        { items: [{ productId, quantity: 1 }], paymentToken: "card_visa" },
        { items: [{ productId, quantity: 1 }] },
      ]) {
        expect(isProblem(await api("POST", "/v1/orders", { token: buyer, body: bad }), 400, "validation_failed"), JSON.stringify(bad)).toBe(true);
      }
      expect(isProblem(await order("not-a-token", [{ productId, quantity: 1 }]), 401, "unauthorized")).toBe(true);
      expect(await stockOf(productId)).toMatchObject({ available: 5, reserved: 0 });
    });

    it("replays the same Idempotency-Key and body, and refuses the key with another body", async () => {
      const buyer = await customer();
      const productId = await product(10);
      const key = `key-${randomUUID()}`;
      const first = await order(buyer, [{ productId, quantity: 1 }], "tok_visa", key);
      const again = await order(buyer, [{ productId, quantity: 1 }], "tok_visa", key);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(first.body.id);
      expect(isProblem(await order(buyer, [{ productId, quantity: 2 }], "tok_visa", key), 422, "idempotency_key_reused")).toBe(true);
      expect(isProblem(await order(buyer, [{ productId, quantity: 1 }], "tok_visa", ""), 400, "validation_failed")).toBe(true);
      const concurrentKey = `key-${randomUUID()}`;
      const racing = await Promise.all([1, 2, 3].map(() => order(buyer, [{ productId, quantity: 1 }], "tok_visa", concurrentKey)));
      expect(racing.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
      await vi.waitFor(async () => expect(await stockOf(productId)).toMatchObject({ available: 8 }));
    });

    it("does not use up a key on a failed attempt", async () => {
      const buyer = await customer();
      const productId = await product(1);
      const key = `key-${randomUUID()}`;
      expect(isProblem(await order(buyer, [{ productId, quantity: 2 }], "tok_visa", key), 409, "out_of_stock")).toBe(true);
      expect((await api("PUT", `/v1/inventory/${productId}`, { token: adminToken, body: { available: 2 } })).status).toBe(200);
      expect((await order(buyer, [{ productId, quantity: 2 }], "tok_visa", key)).status).toBe(201);
    });

    it("never oversells: 200 concurrent orders for 50 units sell exactly 50", async () => {
      const buyer = await customer();
      const productId = await product(50);
      const answers = await Promise.all(Array.from({ length: 200 }, () => order(buyer, [{ productId, quantity: 1 }])));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(50);
      expect(answers.filter((a) => isProblem(a, 409, "out_of_stock"))).toHaveLength(150);
      await vi.waitFor(async () => expect(await stockOf(productId)).toEqual({ productId, available: 0, reserved: 0, sold: 50 }), { timeout: 30_000 });
    });
  });

  describe("GET /v1/orders and /v1/orders/:id", () => {
    it("shows customers their own orders only, newest first; admins may ask for anyone's", async () => {
      const [alice, bob] = [await customer(), await customer()];
      const productId = await product(10);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await order(alice, [{ productId, quantity: 1 }])).body.id);
      const firstPage = await api("GET", "/v1/orders?limit=2", { token: alice });
      expect(firstPage.body.items.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]]);
      const secondPage = await api("GET", `/v1/orders?limit=2&cursor=${firstPage.body.nextCursor}`, { token: alice });
      expect(secondPage.body.items.map((o: { id: string }) => o.id)).toEqual([ids[0]]);
      expect(secondPage.body.nextCursor).toBeNull();
      expect(isProblem(await api("GET", `/v1/orders/${ids[0]}`, { token: bob }), 404, "not_found")).toBe(true);
      expect((await api("GET", "/v1/orders", { token: bob })).body.items).toEqual([]);
      const aliceId = (await api("GET", "/v1/auth/me", { token: alice })).body.id;
      expect(isProblem(await api("GET", `/v1/orders?userId=${aliceId}`, { token: bob }), 403, "forbidden")).toBe(true);
      expect((await api("GET", `/v1/orders?userId=${aliceId}`, { token: adminToken })).body.items).toHaveLength(3);
      expect((await api("GET", `/v1/orders/${ids[0]}`, { token: adminToken })).status).toBe(200);
      expect(isProblem(await api("GET", `/v1/payments?orderId=${ids[0]}`, { token: bob }), 404, "not_found")).toBe(true);
      expect(isProblem(await api("GET", "/v1/orders/not-an-id", { token: alice }), 400, "validation_failed")).toBe(true);
      expect(isProblem(await api("GET", "/v1/orders"), 401, "unauthorized")).toBe(true);
    });

    it("carries a private ETag on an order: 304 while it is unchanged, 200 once it changed", async () => {
      const buyer = await customer();
      const placed = await order(buyer, [{ productId: await product(5), quantity: 1 }]);
      await settled(buyer, placed.body.id, "paid");
      const read = (headers: Record<string, string> = {}) => api("GET", `/v1/orders/${placed.body.id}`, { token: buyer, headers });
      const paid = await read();
      const tag = paid.headers.get("etag") as string;
      expect(paid.headers.get("cache-control")).toBe("private, no-cache");
      expect((await read({ "if-none-match": tag })).status).toBe(304);
      expect((await api("POST", `/v1/orders/${placed.body.id}/cancel`, { token: buyer })).status).toBe(200);
      const cancelled = await read({ "if-none-match": tag });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe("cancelled");
      // Someone else's order stays unknown to them, tag or not.
      expect(isProblem(await api("GET", `/v1/orders/${placed.body.id}`, { token: await customer(), headers: { "if-none-match": "*" } }), 404, "not_found")).toBe(true);
    });
  });

  describe("POST /v1/orders/:id/cancel", () => {
    it("cancels an order awaiting payment, putting its units back, once", async () => {
      const buyer = await customer();
      const productId = await product(3);
      // The provider stays unavailable, so the order keeps awaiting payment.
      const placed = await order(buyer, [{ productId, quantity: 3 }], "tok_unavailable");
      const cancelled = await api("POST", `/v1/orders/${placed.body.id}/cancel`, { token: buyer });
      expect(placed.body.cancelReason).toBeNull();
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: "cancelled", cancelReason: "customer" });
      expect(isProblem(await api("POST", `/v1/orders/${placed.body.id}/cancel`, { token: buyer }), 409, "invalid_state")).toBe(true);
      await vi.waitFor(async () => expect(await stockOf(productId)).toEqual({ productId, available: 3, reserved: 0, sold: 0 }));
    });

    it("refunds a paid order and puts its sold units back on sale", async () => {
      const buyer = await customer();
      const productId = await product(4);
      const placed = await order(buyer, [{ productId, quantity: 1 }]);
      await settled(buyer, placed.body.id, "paid");
      const stranger = await customer();
      expect(isProblem(await api("POST", `/v1/orders/${placed.body.id}/cancel`, { token: stranger }), 404, "not_found")).toBe(true);
      expect((await api("POST", `/v1/orders/${placed.body.id}/cancel`, { token: buyer })).body.status).toBe("cancelled");
      await vi.waitFor(async () => {
        const payments = await api("GET", `/v1/payments?orderId=${placed.body.id}`, { token: buyer });
        expect(payments.body.items).toEqual([expect.objectContaining({ status: "refunded" })]);
      });
      await vi.waitFor(async () => expect(await stockOf(productId)).toEqual({ productId, available: 4, reserved: 0, sold: 0 }));
    });
  });
}
