/**
 * A rogue process joins the bus of a split deployment: it reaches NATS (as anything with NATS
 * credentials would) but does not hold the deployment's bus secret. Whatever it tries must get
 * nowhere: a forged admin identity, an internal-only action, a forged INFO packet claiming another
 * node's id, a forged durable event. Nothing changes, and the deployment keeps serving.
 */
import { randomUUID } from "node:crypto";
import moleculer from "moleculer";
import { connect, JSONCodec } from "nats";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createBroker } from "../../src/broker/create-broker.ts";
import { createLogger } from "../../src/broker/logger.ts";
import { client } from "../e2e/http.ts";
import { ADMIN, NATS_URL, startSplit, type SplitTopology } from "../support/topology.ts";

let topology: SplitTopology;
const api = client(() => topology.baseUrl);
const rogues: InstanceType<typeof moleculer.ServiceBroker>[] = [];

beforeAll(async () => {
  topology = await startSplit();
}, 120_000);
afterAll(async () => {
  for (const rogue of rogues) await rogue.stop().catch(() => undefined);
  await topology?.stop();
});

async function rogue(nodeID?: string) {
  const broker = new moleculer.ServiceBroker({
    namespace: topology.namespace,
    nodeID,
    transporter: { type: "NATS", options: { url: NATS_URL } },
    logger: false,
    requestTimeout: 2_000,
    heartbeatInterval: 1,
  });
  rogues.push(broker);
  await broker.start();
  return broker;
}

/** The node id of the process running `service`, as a legitimate member of the bus sees it (ids change on every start). */
async function nodeRunning(service: string): Promise<string> {
  const member = createBroker({ namespace: topology.namespace, owner: "member", natsUrl: NATS_URL, busSecret: await topology.busSecret(), identity: await topology.identity(), logger: createLogger("silent"), logLevel: "silent", requestTimeoutMs: 2_000, heartbeatIntervalS: 1, heartbeatTimeoutS: 3 });
  await member.start();
  try {
    const find = () => (member.registry.getNodeList({ onlyAvailable: true, withServices: true }) as unknown as { id: string; services: { name: string }[] }[]).find((node) => node.services.some((s) => s.name === service))?.id;
    await vi.waitFor(() => expect(find()).toBeDefined(), { timeout: 5_000 });
    return find() as string;
  } finally {
    await member.stop();
  }
}

const admin = { id: randomUUID(), roles: ["admin"] };

describe("a rogue process on the bus without the bus secret", () => {
  it("cannot act as an admin by forging meta.user", async () => {
    const broker = await rogue();
    const sku = `ROGUE-${randomUUID().slice(0, 8)}`;
    const attempt = broker.call("catalog.createProduct", { sku, name: "Rogue", priceCents: 1, currency: "EUR" }, { meta: { user: admin, serviceToken: `orders.${Date.now()}.${"x".repeat(43)}` } });
    await expect(attempt).rejects.toThrow();
    expect(await topology.db.query("select 1 from catalog.products where sku = $1", [sku])).toEqual([]);
  });

  it("cannot call an internal-only action", async () => {
    const broker = await rogue();
    const orderId = randomUUID();
    const attempt = broker.call("inventory.releaseStock", { orderId }, { meta: { serviceToken: `orders.${Date.now()}.${"x".repeat(43)}` } });
    await expect(attempt).rejects.toThrow();
    expect(await topology.db.query("select 1 from inventory.reservations where order_id = $1", [orderId])).toEqual([]);
  });

  it("cannot take over another node's id with forged INFO packets", async () => {
    const catalogNode = await nodeRunning("catalog");
    const impostor = await rogue(catalogNode);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await impostor.stop();
    const ready = await api("GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.modules.catalog).toBe("up");
    expect((await api("GET", "/v1/products?limit=1")).status).toBe(200);
  });

  it("cannot fake a durable event, e.g. a captured payment", async () => {
    const adminToken = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
    const product = await api("POST", "/v1/products", { token: adminToken, body: { sku: `R-${randomUUID().slice(0, 8)}`, name: "R", priceCents: 5, currency: "EUR" } });
    await api("PUT", `/v1/inventory/${product.body.id}`, { token: adminToken, body: { available: 1 } });
    // The provider stays unavailable, so only a forged capture could make this order paid.
    const order = await api("POST", "/v1/orders", { token: adminToken, body: { items: [{ productId: product.body.id, quantity: 1 }], paymentToken: "tok_unavailable" } });
    expect(order.status).toBe(201);
    const nc = await connect({ servers: NATS_URL });
    const envelope = { id: randomUUID(), name: "payments.payment.captured", payload: { paymentId: randomUUID(), orderId: order.body.id, amountCents: 5, currency: "EUR" }, occurredAt: new Date().toISOString(), requestId: null };
    await nc.jetstream().publish(`${topology.namespace}.events.payments.payment.captured`, JSONCodec().encode(envelope), { msgID: envelope.id });
    await nc.close();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await api("GET", `/v1/orders/${order.body.id}`, { token: adminToken })).body.status).toBe("awaiting_payment");
  });
});
