/**
 * Faults in the split topology, with real OS processes: a module killed (SIGKILL) mid-work, orders
 * accepted while payments is down, and duplicate event deliveries. After each, the invariants are
 * checked in the databases: stock conserved, one capture per paid order, no reservation left held.
 */
import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "nats";
import { eventSeal } from "../../src/broker/events/event-seal.ts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { client } from "../e2e/http.ts";
import { ADMIN, NATS_URL, startSplit, type SplitTopology } from "../support/topology.ts";

let topology: SplitTopology;
let adminToken: string;
let buyer: string;
const api = client(() => topology.baseUrl);

beforeAll(async () => {
  topology = await startSplit({ PAYMENTS_LATENCY_MS: "150", ORDERS_PENDING_TIMEOUT_S: "3", REQUEST_TIMEOUT_MS: "4000" });
  adminToken = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
  const email = `faulty-${randomUUID().slice(0, 8)}@example.com`;
  await api("POST", "/v1/auth/register", { body: { email, password: "fault password", name: "F" } });
  buyer = (await api("POST", "/v1/auth/login", { body: { email, password: "fault password" } })).body.accessToken;
}, 120_000);
afterAll(() => topology?.stop());

async function stockedProduct(units: number): Promise<string> {
  const created = await api("POST", "/v1/products", {
    token: adminToken,
    body: { sku: `F-${randomUUID().slice(0, 12)}`, name: "Fault item", priceCents: 100, currency: "EUR" },
  });
  await api("PUT", `/v1/inventory/${created.body.id}`, { token: adminToken, body: { available: units } });
  return created.body.id;
}

const placeOne = (productId: string) => api("POST", "/v1/orders", { token: buyer, body: { items: [{ productId, quantity: 1 }], paymentToken: "tok_visa" } });

/** Waits until every order answered with 201 is paid. */
async function allPaid(answers: { status: number; body: { id: string } }[]): Promise<void> {
  for (const answer of answers.filter((a) => a.status === 201)) {
    await vi.waitFor(async () => expect((await api("GET", `/v1/orders/${answer.body.id}`, { token: buyer })).body.status).toBe("paid"), {
      timeout: 40_000,
      interval: 250,
    });
  }
}

async function ready(): Promise<void> {
  await vi.waitFor(async () => expect((await api("GET", "/health/ready")).status).toBe(200), { timeout: 30_000, interval: 250 });
}

/** Stock conserved and settled: nothing held, and what is sold matches the paid orders, each captured (and charged by the provider) once. */
async function expectInvariants(productId: string, units: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const [stock] = await topology.db.query<{ available: number; reserved: number; sold: number }>(
        "select available, reserved, sold from inventory.stock where product_id = $1",
        [productId],
      );
      const orders = await topology.db.query<{ id: string; status: string }>(
        "select id, status from orders.orders where items @> $1::jsonb",
        [JSON.stringify([{ productId }])],
      );
      const paid = orders.filter((o) => o.status === "paid");
      expect(orders.filter((o) => o.status === "awaiting_payment" || o.status === "pending")).toEqual([]);
      expect(stock).toEqual({ available: units - paid.length, reserved: 0, sold: paid.length });
      const held = await topology.db.query("select order_id from inventory.reservations where status = 'held'");
      expect(held).toEqual([]);
      const captures = await topology.db.query<{ order_id: string; n: string }>(
        "select order_id, count(*) as n from payments.payments where status = 'captured' group by order_id",
      );
      const paidIds = new Set(paid.map((o) => o.id));
      expect(captures.filter((c) => paidIds.has(c.order_id)).map((c) => Number(c.n))).toEqual(paid.map(() => 1));
      // And the provider charged each once, whatever a kill interrupted.
      const charges = await topology.db.query<{ order_id: string; n: string }>(
        `select p.order_id, count(*) as n from payments.simulated_provider_ledger l join payments.payments p on p.id = l.idempotency_key
         where l.kind = 'charge' and l.outcome = 'captured' group by p.order_id`,
      );
      expect(charges.filter((c) => paidIds.has(c.order_id)).map((c) => Number(c.n))).toEqual(paid.map(() => 1));
    },
    { timeout: 40_000, interval: 500 },
  );
}

describe("faults in the split topology", () => {
  it("payments killed with orders in flight: orders are still accepted, and all end paid once it is back", async () => {
    const productId = await stockedProduct(100);
    const before = await Promise.all(Array.from({ length: 10 }, () => placeOne(productId)));
    await topology.kill("payments");
    const during = await Promise.all(Array.from({ length: 10 }, () => placeOne(productId)));
    expect([...before, ...during].map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(during.map((a) => a.body.status)).toEqual(Array(10).fill("awaiting_payment"));
    topology.restart("payments");
    await allPaid([...before, ...during]);
    await expectInvariants(productId, 100);
  });

  it("orders killed mid-checkout: no accepted order is lost and no reservation stays held", async () => {
    await ready();
    const productId = await stockedProduct(100);
    const inFlight = Array.from({ length: 20 }, () => placeOne(productId));
    await new Promise((resolve) => setTimeout(resolve, 40));
    await topology.kill("orders");
    const answers = await Promise.all(inFlight);
    for (const answer of answers) expect([201, 503]).toContain(answer.status);
    topology.restart("orders");
    await ready();
    await allPaid(answers);
    await expectInvariants(productId, 100);
  });

  it("events delivered twice (a relay that died between publish and mark-sent) change nothing twice", async () => {
    await ready();
    const productId = await stockedProduct(10);
    const placed = await Promise.all(Array.from({ length: 3 }, () => placeOne(productId)));
    expect(placed.map((a) => a.status)).toEqual([201, 201, 201]);
    await allPaid(placed);
    await expectInvariants(productId, 10);
    // The relay re-sends what it never marked as sent: within JetStream's dedupe window ...
    await topology.db.query("update orders.outbox set published_at = null");
    // ... and after it, under a new message id, which only the subscribers' inboxes can absorb.
    const rows = await topology.db.query<{ id: string; name: string; payload: unknown; occurred_at: Date }>("select id, name, payload, occurred_at from orders.outbox");
    const nc: NatsConnection = await connect({ servers: NATS_URL });
    const js = nc.jetstream();
    const seal = eventSeal(await topology.busSecret(), topology.namespace);
    for (const row of rows) {
      const envelope = { id: row.id, name: row.name, payload: row.payload, occurredAt: new Date(row.occurred_at).toISOString(), requestId: null };
      await js.publish(`${topology.namespace}.events.${row.name}`, seal.seal(envelope), { msgID: `${row.id}-again` });
    }
    await nc.close();
    await vi.waitFor(async () => expect(await topology.db.query("select 1 from orders.outbox where published_at is null")).toEqual([]), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await expectInvariants(productId, 10);
    const [{ n }] = (await topology.db.query<{ n: string }>("select count(*) as n from payments.payments where order_id = any($1::uuid[])", [placed.map((a) => a.body.id)])) as [{ n: string }];
    expect(Number(n)).toBe(3);
  });
});
