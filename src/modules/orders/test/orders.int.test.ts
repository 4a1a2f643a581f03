import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuthUser } from "../../../broker/auth.ts";
import { dependencyUnavailable } from "../../../broker/errors.ts";
import type { EventEnvelope } from "../../../broker/events/transport.ts";
import { failureOf, startModule, stubModule, type ModuleHarness } from "../../../../test/support/module-harness.ts";
import { Catalog, type Product } from "../../catalog/contract.ts";
import { Inventory } from "../../inventory/contract.ts";
import { Orders } from "../contract.ts";
import { ordersModule } from "../orders.service.ts";

const { placeOrder, getOrder, cancelOrder } = Orders.actions;
const alice: AuthUser = { id: randomUUID(), roles: ["customer"] };
const bob: AuthUser = { id: randomUUID(), roles: ["customer"] };

const products = new Map<string, Product>();
const held = new Map<string, number>();
const released: string[] = [];
let inventoryDown = false;
/** Products whose reservation answers only after a while. */
const slow = new Set<string>();
let harness: ModuleHarness;
const published: EventEnvelope[] = [];

function product(priceCents: number, extra: Partial<Product> = {}): string {
  const id = randomUUID();
  const now = new Date().toISOString();
  products.set(id, { id, sku: `S-${id.slice(0, 4)}`, name: "Thing", description: "", priceCents, currency: "EUR", category: null, active: true, createdAt: now, updatedAt: now, ...extra });
  held.set(id, 10);
  return id;
}

beforeAll(async () => {
  const catalog = stubModule(Catalog, { getProducts: async ({ ids }) => ({ items: ids.flatMap((id) => products.get(id) ?? []) }) });
  const inventory = stubModule(Inventory, {
    reserveStock: async ({ orderId, lines }) => {
      if (inventoryDown) throw dependencyUnavailable();
      if (lines.some((line) => slow.has(line.productId))) await new Promise((resolve) => setTimeout(resolve, 400));
      if (lines.some((line) => (held.get(line.productId) ?? 0) < line.quantity)) throw Inventory.errors.outOfStock.error();
      for (const line of lines) held.set(line.productId, (held.get(line.productId) ?? 0) - line.quantity);
      return { orderId, status: "held" };
    },
    releaseStock: async ({ orderId }) => {
      released.push(orderId);
      return { orderId, released: true };
    },
  });
  harness = await startModule(ordersModule, { services: [catalog, inventory], env: { ORDERS_PENDING_TIMEOUT_S: "2" } });
  await harness.events.subscribe("recorder", Object.keys(Orders.events), async (e) => void published.push(e));
});
afterAll(() => harness?.close());
beforeEach(() => {
  inventoryDown = false;
});

const eventsFor = (orderId: string) => published.filter((e) => (e.payload as { orderId: string }).orderId === orderId).map((e) => e.name);
const deliver = (name: string, payload: object) => harness.events.publish({ id: randomUUID(), name, payload, occurredAt: new Date().toISOString(), requestId: null });

describe("orders.placeOrder", () => {
  it("snapshots prices, holds stock and announces the order for payment", async () => {
    const [a, b] = [product(250), product(1000)];
    const order = await harness.call(placeOrder, { order: { items: [{ productId: a, quantity: 2 }, { productId: b, quantity: 1 }], paymentToken: "tok_visa" } }, alice);
    expect(order).toMatchObject({ userId: alice.id, status: "awaiting_payment", totalCents: 1500, currency: "EUR" });
    await vi.waitFor(() => expect(eventsFor(order.id)).toEqual(["orders.order.placed"]));
    expect(published.find((e) => e.name === "orders.order.placed" && (e.payload as { orderId: string }).orderId === order.id)?.payload).toEqual({
      orderId: order.id,
      userId: alice.id,
      totalCents: 1500,
      currency: "EUR",
      paymentToken: "tok_visa",
    });
  });

  it("keeps nothing when stock runs out, and shows no order", async () => {
    const a = product(100);
    const failure = await failureOf(harness.call(placeOrder, { order: { items: [{ productId: a, quantity: 11 }], paymentToken: "tok_visa" } }, bob));
    expect(failure).toMatchObject({ status: 409, code: "out_of_stock" });
    const rows = await harness.db.query("select status, idempotency_key from orders.orders where user_id = $1", [bob.id]);
    expect(rows).toEqual([{ status: "rejected", idempotency_key: null }]);
  });

  it("answers 503 when inventory is down, and undoes the checkout", async () => {
    const a = product(100);
    inventoryDown = true;
    const failure = await failureOf(harness.call(placeOrder, { order: { items: [{ productId: a, quantity: 1 }], paymentToken: "tok_visa" } }, alice));
    expect(failure).toMatchObject({ status: 503, code: "dependency_unavailable" });
    const [row] = await harness.db.query<{ id: string; status: string }>("select id, status from orders.orders order by created_at desc limit 1");
    expect(row?.status).toBe("rejected");
    expect(released).toContain(row?.id);
  });

  it("replays an idempotency key with the same body, and refuses it with another", async () => {
    const a = product(100);
    const order = { items: [{ productId: a, quantity: 1 }], paymentToken: "tok_visa" };
    const first = await harness.call(placeOrder, { order, idempotencyKey: "k-1" }, alice);
    expect(await harness.call(placeOrder, { order, idempotencyKey: "k-1" }, alice)).toEqual(first);
    expect(await failureOf(harness.call(placeOrder, { order: { ...order, paymentToken: "tok_other" }, idempotencyKey: "k-1" }, alice))).toMatchObject({ status: 422, code: "idempotency_key_reused" });
    // Keys belong to a user: bob's k-1 is another order.
    expect((await harness.call(placeOrder, { order, idempotencyKey: "k-1" }, bob)).id).not.toBe(first.id);
  });

  it("lets a request that waited on a refused attempt with its key go on by itself", async () => {
    const scarce = product(100);
    held.set(scarce, 0);
    slow.add(scarce);
    const order = { items: [{ productId: scarce, quantity: 1 }], paymentToken: "tok_visa" };
    const first = harness.call(placeOrder, { order, idempotencyKey: "k-scarce" }, alice);
    // The second arrives while the first is held up at inventory, and waits for it.
    await vi.waitFor(async () => expect(await harness.db.query("select 1 from orders.orders where idempotency_key = 'k-scarce'")).toHaveLength(1));
    const second = harness.call(placeOrder, { order, idempotencyKey: "k-scarce" }, alice);
    expect(await failureOf(first)).toMatchObject({ status: 409, code: "out_of_stock" });
    expect(await failureOf(second)).toMatchObject({ status: 409, code: "out_of_stock" });
    // With stock back, the same key places the order: refused attempts did not use it up.
    held.set(scarce, 1);
    expect(await harness.call(placeOrder, { order, idempotencyKey: "k-scarce" }, alice)).toMatchObject({ status: "awaiting_payment" });
  });
});

describe("the order lifecycle", () => {
  async function placed(): Promise<string> {
    const order = await harness.call(placeOrder, { order: { items: [{ productId: product(100), quantity: 1 }], paymentToken: "tok_visa" } }, alice);
    return order.id;
  }

  it("is paid when payments captures, and announces it once", async () => {
    const orderId = await placed();
    const captured = { paymentId: randomUUID(), orderId, amountCents: 100, currency: "EUR" };
    await deliver("payments.payment.captured", captured);
    await deliver("payments.payment.captured", captured);
    expect((await harness.call(getOrder, { id: orderId }, alice)).status).toBe("paid");
    await vi.waitFor(() => expect(eventsFor(orderId)).toEqual(["orders.order.placed", "orders.order.paid"]));
  });

  it("is cancelled, saying why, when payment is declined or unavailable, or the reservation expires", async () => {
    const [declined, unavailable, expired] = [await placed(), await placed(), await placed()];
    await deliver("payments.payment.declined", { paymentId: randomUUID(), orderId: declined, reason: "declined" });
    await deliver("payments.payment.declined", { paymentId: randomUUID(), orderId: unavailable, reason: "provider_unavailable" });
    await deliver("inventory.reservation.expired", { orderId: expired });
    const reasons = { [declined]: "payment_declined", [unavailable]: "payment_unavailable", [expired]: "reservation_expired" };
    for (const [id, cancelReason] of Object.entries(reasons)) expect(await harness.call(getOrder, { id }, alice)).toMatchObject({ status: "cancelled", cancelReason });
    await vi.waitFor(() => expect(eventsFor(declined)).toContain("orders.order.cancelled"));
  });

  it("cancels a paid order whose reservation expired before inventory sold its units", async () => {
    const orderId = await placed();
    await deliver("payments.payment.captured", { paymentId: randomUUID(), orderId, amountCents: 100, currency: "EUR" });
    await deliver("inventory.reservation.expired", { orderId });
    expect((await harness.call(getOrder, { id: orderId }, alice)).status).toBe("cancelled");
    await vi.waitFor(() => expect(eventsFor(orderId)).toEqual(["orders.order.placed", "orders.order.paid", "orders.order.cancelled"]));
  });

  it("lets the owner cancel once; others see no such order", async () => {
    const orderId = await placed();
    expect(await failureOf(harness.call(cancelOrder, { id: orderId }, bob))).toMatchObject({ status: 404 });
    expect((await harness.call(cancelOrder, { id: orderId }, alice)).status).toBe("cancelled");
    expect(await failureOf(harness.call(cancelOrder, { id: orderId }, alice))).toMatchObject({ status: 409, code: "invalid_state" });
    await vi.waitFor(() => expect(eventsFor(orderId)).toEqual(["orders.order.placed", "orders.order.cancelled"]));
  });
});

describe("stale checkouts", () => {
  it("are undone: stock released, order rejected, never shown", async () => {
    const id = randomUUID();
    await harness.db.query(
      `insert into orders.orders (id, user_id, status, items, total_cents, currency, created_at, updated_at)
       values ($1, $2, 'pending', '[]', 0, 'EUR', now() - interval '1 minute', now() - interval '1 minute')`,
      [id, alice.id],
    );
    await vi.waitFor(async () => expect(await harness.db.query("select status from orders.orders where id = $1", [id])).toEqual([{ status: "rejected" }]), { timeout: 5_000 });
    expect(released).toContain(id);
    expect(await failureOf(harness.call(getOrder, { id }, alice))).toMatchObject({ status: 404 });
  });
});
