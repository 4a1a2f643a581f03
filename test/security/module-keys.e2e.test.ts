/**
 * A process that holds the bus secret but no module's key: the gateway's position, or anything that
 * got hold of BUS_SECRET. It is a member of the bus, so its packets open; what it must not do is
 * serve a module's actions (here: catalog's prices, which orders snapshots into every order) or
 * call an internal action as a module. Each module process announces itself with its own key.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { call } from "../../src/broker/contract-kit.ts";
import { createBroker, type Broker } from "../../src/broker/create-broker.ts";
import { createLogger } from "../../src/broker/logger.ts";
import { Inventory } from "../../src/modules/inventory/contract.ts";
import { client } from "../e2e/http.ts";
import { ADMIN, NATS_URL, startSplit, type SplitTopology } from "../support/topology.ts";

let topology: SplitTopology;
const api = client(() => topology.baseUrl);
const members: Broker[] = [];

beforeAll(async () => {
  topology = await startSplit();
}, 120_000);
afterAll(async () => {
  for (const member of members) await member.stop().catch(() => undefined);
  await topology?.stop();
});

/** A node on the bus with the bus secret and the private keys of `modules` only. */
async function member(modules: string[] = []): Promise<Broker> {
  const broker = createBroker({ namespace: topology.namespace, owner: modules.join("+") || "impostor", natsUrl: NATS_URL, busSecret: await topology.busSecret(), identity: await topology.identity(modules), logger: createLogger("silent"), logLevel: "silent", requestTimeoutMs: 3_000, heartbeatIntervalS: 1, heartbeatTimeoutS: 3 });
  members.push(broker);
  return broker;
}

describe("a node holding the bus secret but no module key", () => {
  it("cannot serve a module's actions: orders never takes a price from a catalog of its own making", async () => {
    const admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
    const product = await api("POST", "/v1/products", { token: admin, body: { sku: `MK-${randomUUID().slice(0, 8)}`, name: "Real price", priceCents: 500, currency: "EUR" } });
    await api("PUT", `/v1/inventory/${product.body.id}`, { token: admin, body: { available: 100 } });

    const impostor = await member();
    const now = new Date().toISOString();
    impostor.createService({
      name: "catalog",
      actions: {
        getProducts: (ctx: { params: { ids: string[] } }) => ({
          items: ctx.params.ids.map((id) => ({ id, sku: "FAKE", name: "Fake", description: "", priceCents: 1, currency: "EUR", category: null, active: true, createdAt: now, updatedAt: now })),
        }),
      },
    });
    await impostor.start();
    // Every node has had the impostor's announcement: a member that knows the keys lists one catalog node still.
    const observer = await member();
    await observer.start();
    await vi.waitFor(() => expect(observer.registry.getNodeList({ onlyAvailable: true }).map((node) => node.id)).toContain(impostor.nodeID), { timeout: 10_000 });
    const catalogNodes = () => (observer.registry.getNodeList({ onlyAvailable: true, withServices: true }) as unknown as { id: string; services: { name: string }[] }[]).filter((node) => node.services.some((s) => s.name === "catalog"));
    expect(catalogNodes().map((node) => node.id)).not.toContain(impostor.nodeID);

    // Round-robin would send every second getProducts to a second catalog node.
    const totals: number[] = [];
    for (let i = 0; i < 8; i++) {
      const order = await api("POST", "/v1/orders", { token: admin, body: { items: [{ productId: product.body.id, quantity: 1 }], paymentToken: "tok_visa" } });
      expect(order.status).toBe(201);
      totals.push(order.body.totalCents);
    }
    expect(totals).toEqual(Array(8).fill(500));
  });

  it("cannot call an internal action as a module: a claim needs the module's key", async () => {
    const orderId = randomUUID();
    const gatewayLike = await member();
    await gatewayLike.start();
    await gatewayLike.waitForServices(["inventory"], 10_000);
    const claim = (broker: Broker) => call(broker, Inventory.actions.releaseStock, { orderId }, { caller: "orders", retries: 0 });
    await expect(claim(gatewayLike)).rejects.toMatchObject({ code: 403, type: "forbidden" });

    // The same claim from a node given orders' key holds.
    const withOrdersKey = await member(["orders"]);
    await withOrdersKey.start();
    await withOrdersKey.waitForServices(["inventory"], 10_000);
    await expect(claim(withOrdersKey)).resolves.toMatchObject({ orderId });
  });
});
