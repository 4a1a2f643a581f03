/**
 * The whole split deployment under the shipped NATS configuration (deploy/nats/nats-server.conf):
 * every process connects as its own user with only its permissions, and a checkout still goes all
 * the way to paid, stock sold.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { client } from "../e2e/http.ts";
import { startShippedNats, type ShippedNats } from "../support/nats-server.ts";
import { ADMIN, startSplit, type SplitTopology } from "../support/topology.ts";

let nats: ShippedNats;
let topology: SplitTopology;
const api = client(() => topology.baseUrl);

beforeAll(async () => {
  nats = await startShippedNats();
  // The shipped permissions name the `bazaar` namespace.
  topology = await startSplit({ NATS_URL: nats.url, BUS_NAMESPACE: "bazaar" }, (name) => ({ NATS_USER: name, NATS_PASSWORD: nats.password(name) }));
}, 120_000);
afterAll(async () => {
  await topology?.stop();
  await nats?.stop();
});

describe("the split deployment under the shipped NATS permissions", () => {
  it("takes an order all the way to paid", async () => {
    const admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
    const product = await api("POST", "/v1/products", { token: admin, body: { sku: `S-${randomUUID().slice(0, 8)}`, name: "Secure", priceCents: 100, currency: "EUR" } });
    await api("PUT", `/v1/inventory/${product.body.id}`, { token: admin, body: { available: 5 } });
    const order = await api("POST", "/v1/orders", { token: admin, body: { items: [{ productId: product.body.id, quantity: 2 }], paymentToken: "tok_visa" } });
    expect(order.status).toBe(201);
    await vi.waitFor(async () => expect((await api("GET", `/v1/orders/${order.body.id}`, { token: admin })).body.status).toBe("paid"), { timeout: 15_000 });
    await vi.waitFor(async () => expect((await api("GET", `/v1/inventory/${product.body.id}`)).body).toMatchObject({ available: 3, reserved: 0, sold: 2 }));
  });
});
