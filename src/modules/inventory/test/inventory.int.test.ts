import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AuthUser } from "../../../broker/auth.ts";
import { notFound } from "../../../broker/errors.ts";
import type { EventEnvelope } from "../../../broker/events/transport.ts";
import { failureOf, startModule, stubModule, type ModuleHarness } from "../../../../test/support/module-harness.ts";
import { Catalog, type Product } from "../../catalog/contract.ts";
import { Orders } from "../../orders/contract.ts";
import { Inventory } from "../contract.ts";
import { inventoryModule } from "../inventory.service.ts";

const { getStock, setStock, reserveStock, releaseStock, holdStock, sellHold, releaseHold } = Inventory.actions;
const admin: AuthUser = { id: randomUUID(), roles: ["admin"] };
const customer: AuthUser = { id: randomUUID(), roles: ["customer"] };
const UNKNOWN_PRODUCT = randomUUID();

let harness: ModuleHarness;
const published: EventEnvelope[] = [];

beforeAll(async () => {
  const catalog = stubModule(Catalog, {
    getProduct: async ({ id }) => {
      if (id === UNKNOWN_PRODUCT) throw notFound();
      const at = new Date().toISOString();
      return { id, sku: "SKU-1", name: "Stocked", description: "", priceCents: 100, currency: "EUR", category: null, active: true, createdAt: at, updatedAt: at } satisfies Product;
    },
  });
  harness = await startModule(inventoryModule, { services: [catalog], env: { RESERVATION_TTL_S: "5" } });
  await harness.events.subscribe("recorder", Object.keys(Inventory.events), async (e) => void published.push(e));
});
afterAll(() => harness?.close());

async function stocked(available: number): Promise<string> {
  const productId = randomUUID();
  await harness.call(setStock, { productId, available }, admin);
  return productId;
}

/** Reserving and releasing is for orders' checkout only. */
const asOrders: ModuleHarness["callAsModule"] = (action, params) => harness.callAsModule(action, params, "orders");

const deliver = (name: string, payload: object) =>
  harness.events.publish({ id: randomUUID(), name, payload, occurredAt: new Date().toISOString(), requestId: null });

describe("inventory.getStock and setStock", () => {
  it("answers zeros for a product never stocked", async () => {
    const productId = randomUUID();
    expect(await harness.call(getStock, { productId })).toEqual({ productId, available: 0, reserved: 0, sold: 0 });
  });

  it("lets an admin set the units free to sell, for products the catalog knows", async () => {
    const productId = await stocked(7);
    expect(await harness.call(setStock, { productId, available: 3 }, admin)).toEqual({ productId, available: 3, reserved: 0, sold: 0 });
    expect(await failureOf(harness.call(setStock, { productId: UNKNOWN_PRODUCT, available: 1 }, admin))).toMatchObject({ status: 404 });
    expect(await failureOf(harness.call(setStock, { productId, available: 1 }, customer))).toMatchObject({ status: 403 });
    expect(await failureOf(harness.call(setStock, { productId, available: -1 }, admin))).toMatchObject({ status: 400 });
  });
});

describe("inventory.reserveStock", () => {
  it("holds every line, once per order", async () => {
    const [a, b] = [await stocked(5), await stocked(5)];
    const orderId = randomUUID();
    const lines = [{ productId: a, quantity: 2 }, { productId: b, quantity: 5 }];
    expect(await asOrders(reserveStock, { orderId, lines })).toEqual({ orderId, status: "held" });
    expect(await asOrders(reserveStock, { orderId, lines })).toEqual({ orderId, status: "held" });
    expect(await harness.call(getStock, { productId: a })).toMatchObject({ available: 3, reserved: 2 });
    expect(await harness.call(getStock, { productId: b })).toMatchObject({ available: 0, reserved: 5 });
  });

  it("holds nothing when any line lacks stock, and names every short line's product", async () => {
    const [a, b, c] = [await stocked(5), await stocked(1), await stocked(0)];
    const lines = [{ productId: a, quantity: 1 }, { productId: b, quantity: 2 }, { productId: c, quantity: 1 }];
    const failure = await failureOf(asOrders(reserveStock, { orderId: randomUUID(), lines }));
    expect(failure).toMatchObject({ status: 409, code: "out_of_stock" });
    expect((failure.data as { members: { productIds: string[] } }).members.productIds.sort()).toEqual([b, c].sort());
    expect(await harness.call(getStock, { productId: a })).toMatchObject({ available: 5, reserved: 0 });
  });

  it("refuses an order that names a product on two lines (it would be held twice and sold once)", async () => {
    const productId = await stocked(5);
    const failure = await failureOf(asOrders(reserveStock, { orderId: randomUUID(), lines: [{ productId, quantity: 1 }, { productId, quantity: 2 }] }));
    expect(failure).toMatchObject({ status: 400, code: "validation_failed" });
    expect(await harness.call(getStock, { productId })).toMatchObject({ available: 5, reserved: 0 });
  });

  it("is for orders only", async () => {
    const productId = await stocked(1);
    const failure = await failureOf(harness.call(reserveStock, { orderId: randomUUID(), lines: [{ productId, quantity: 1 }] }, admin));
    expect(failure).toMatchObject({ status: 403, code: "forbidden" });
    const fromPayments = await failureOf(harness.callAsModule(reserveStock, { orderId: randomUUID(), lines: [{ productId, quantity: 1 }] }, "payments"));
    expect(fromPayments).toMatchObject({ status: 403, code: "forbidden" });
    expect(await harness.call(getStock, { productId })).toMatchObject({ available: 1, reserved: 0 });
  });

  it("never oversells: 200 concurrent orders for 50 units hold exactly 50", async () => {
    const productId = await stocked(50);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () =>
        asOrders(reserveStock, { orderId: randomUUID(), lines: [{ productId, quantity: 1 }] }).then(
          () => "held",
          (error: { type: string }) => error.type,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "held")).toHaveLength(50);
    expect(outcomes.filter((o) => o === "out_of_stock")).toHaveLength(150);
    expect(await harness.call(getStock, { productId })).toEqual({ productId, available: 0, reserved: 50, sold: 0 });
  });

  it("holds each of many concurrent multi-line orders whole or not at all, even when they share a transaction", async () => {
    const stock = [6, 4, 9];
    const products = await Promise.all(stock.map((units) => stocked(units)));
    // Orders of one to three lines, and one order asked for twice at once.
    const orders = Array.from({ length: 60 }, (_, i) => ({
      orderId: randomUUID(),
      lines: products.slice(0, 1 + (i % 3)).map((productId, line) => ({ productId, quantity: 1 + ((i + line) % 2) })),
    }));
    orders.push(orders[0] as (typeof orders)[number]);
    const outcomes = await Promise.all(orders.map((order) => asOrders(reserveStock, order).then(() => "held", (error: { type: string }) => error.type)));
    expect(new Set(outcomes)).toEqual(new Set(["held", "out_of_stock"]));
    const held = new Set(orders.filter((_, i) => outcomes[i] === "held").map((order) => order.orderId));
    const rows = await harness.db.query<{ order_id: string; status: string }>("select order_id, status from inventory.reservations where order_id = any($1::uuid[])", [orders.map((order) => order.orderId)]);
    expect(new Set(rows.map((row) => row.order_id))).toEqual(held);
    for (const [p, productId] of products.entries()) {
      const wanted = [...new Map(orders.map((order) => [order.orderId, order])).values()]
        .filter((order) => held.has(order.orderId))
        .flatMap((order) => order.lines.filter((line) => line.productId === productId))
        .reduce((sum, line) => sum + line.quantity, 0);
      expect(await harness.call(getStock, { productId })).toEqual({ productId, available: (stock[p] as number) - wanted, reserved: wanted, sold: 0 });
    }
  });
});

describe("inventory.releaseStock", () => {
  it("gives held units back, and refuses a late reservation for the same order", async () => {
    const productId = await stocked(4);
    const orderId = randomUUID();
    await asOrders(reserveStock, { orderId, lines: [{ productId, quantity: 3 }] });
    expect(await asOrders(releaseStock, { orderId })).toEqual({ orderId, released: true });
    expect(await asOrders(releaseStock, { orderId })).toEqual({ orderId, released: false });
    expect(await harness.call(getStock, { productId })).toMatchObject({ available: 4, reserved: 0 });
    const unknown = randomUUID();
    expect(await asOrders(releaseStock, { orderId: unknown })).toEqual({ orderId: unknown, released: false });
    const late = await failureOf(asOrders(reserveStock, { orderId: unknown, lines: [{ productId, quantity: 1 }] }));
    expect(late).toMatchObject({ status: 409, code: "invalid_state" });
  });
});

describe("order events", () => {
  it("sells held units when the order is paid, once however often the event arrives", async () => {
    const productId = await stocked(3);
    const orderId = randomUUID();
    await asOrders(reserveStock, { orderId, lines: [{ productId, quantity: 2 }] });
    const paid = { id: randomUUID(), name: Orders.events["orders.order.paid"].name, payload: { orderId, userId: customer.id }, occurredAt: new Date().toISOString(), requestId: null };
    await harness.events.publish(paid);
    await harness.events.publish(paid);
    expect(await harness.call(getStock, { productId })).toEqual({ productId, available: 1, reserved: 0, sold: 2 });
  });

  it("sells the units of orders paid together in one go, summed per product, and sells nothing for an order with nothing held", async () => {
    const [shared, other] = [await stocked(10), await stocked(5)];
    const orders = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const orderId of orders) await asOrders(reserveStock, { orderId, lines: [{ productId: shared, quantity: 2 }, { productId: other, quantity: 1 }] });
    // The first goes alone; the rest arrive while it is handled, so they are handled as one batch.
    await Promise.all([...orders, randomUUID()].map((orderId) => deliver("orders.order.paid", { orderId, userId: customer.id })));
    expect(await harness.call(getStock, { productId: shared })).toEqual({ productId: shared, available: 2, reserved: 0, sold: 8 });
    expect(await harness.call(getStock, { productId: other })).toEqual({ productId: other, available: 1, reserved: 0, sold: 4 });
  });

  it("puts sold units back on sale when a paid order is cancelled", async () => {
    const productId = await stocked(3);
    const orderId = randomUUID();
    await asOrders(reserveStock, { orderId, lines: [{ productId, quantity: 2 }] });
    await deliver("orders.order.paid", { orderId, userId: customer.id });
    await deliver("orders.order.cancelled", { orderId, userId: customer.id, reason: "customer" });
    expect(await harness.call(getStock, { productId })).toEqual({ productId, available: 3, reserved: 0, sold: 0 });
  });
});

describe("reservation expiry", () => {
  it("releases a held reservation past its time and announces it", async () => {
    const productId = await stocked(2);
    const orderId = randomUUID();
    await asOrders(reserveStock, { orderId, lines: [{ productId, quantity: 2 }] });
    await harness.db.query("update inventory.reservations set expires_at = now() - interval '1 second' where order_id = $1", [orderId]);
    await vi.waitFor(() => expect(published.map((e) => (e.payload as { orderId: string }).orderId)).toContain(orderId), { timeout: 8_000 });
    expect(await harness.call(getStock, { productId })).toMatchObject({ available: 2, reserved: 0 });
  });
});

/** Holds are for catering's confirmed requests only. */
const asCatering: ModuleHarness["callAsModule"] = (action, params) => harness.callAsModule(action, params, "catering");

describe("inventory holds (for holders other than orders)", () => {
  it("hold every line or none, once per hold id, and count against orders", async () => {
    const [plenty, scarce] = [await stocked(5000), await stocked(3)];
    const holdId = randomUUID();
    const short = await failureOf(asCatering(holdStock, { holdId, lines: [{ productId: plenty, quantity: 4000 }, { productId: scarce, quantity: 4 }] }));
    expect(short).toMatchObject({ status: 409, code: "out_of_stock", data: { members: { productIds: [scarce] } } });
    expect(await harness.call(getStock, { productId: plenty })).toMatchObject({ available: 5000, reserved: 0 });

    expect(await asCatering(holdStock, { holdId, lines: [{ productId: plenty, quantity: 4000 }, { productId: scarce, quantity: 3 }] })).toEqual({ holdId, status: "held" });
    expect(await asCatering(holdStock, { holdId, lines: [{ productId: plenty, quantity: 4000 }, { productId: scarce, quantity: 3 }] })).toEqual({ holdId, status: "held" });
    expect(await harness.call(getStock, { productId: plenty })).toEqual({ productId: plenty, available: 1000, reserved: 4000, sold: 0 });
    const order = await failureOf(asOrders(reserveStock, { orderId: randomUUID(), lines: [{ productId: scarce, quantity: 1 }] }));
    expect(order).toMatchObject({ code: "out_of_stock" });
  });

  it("sell held units, and give back held or sold ones; a hold released first holds nothing afterwards", async () => {
    const productId = await stocked(10);
    const [sold, released, early] = [randomUUID(), randomUUID(), randomUUID()];
    await asCatering(holdStock, { holdId: sold, lines: [{ productId, quantity: 4 }] });
    await asCatering(holdStock, { holdId: released, lines: [{ productId, quantity: 3 }] });
    expect(await asCatering(sellHold, { holdId: sold })).toEqual({ holdId: sold, status: "sold" });
    expect(await asCatering(sellHold, { holdId: sold })).toEqual({ holdId: sold, status: "sold" });
    expect(await asCatering(releaseHold, { holdId: released })).toEqual({ holdId: released, status: "released" });
    expect(await asCatering(releaseHold, { holdId: released })).toEqual({ holdId: released, status: "released" });
    expect(await harness.call(getStock, { productId })).toEqual({ productId, available: 6, reserved: 0, sold: 4 });
    expect(await failureOf(asCatering(sellHold, { holdId: released }))).toMatchObject({ status: 409, code: "invalid_state" });

    expect(await asCatering(releaseHold, { holdId: early })).toEqual({ holdId: early, status: "released" });
    expect(await failureOf(asCatering(holdStock, { holdId: early, lines: [{ productId, quantity: 1 }] }))).toMatchObject({ status: 409, code: "invalid_state" });
    expect(await failureOf(asCatering(sellHold, { holdId: randomUUID() }))).toMatchObject({ status: 409, code: "invalid_state" });
    expect(await asCatering(releaseHold, { holdId: sold })).toEqual({ holdId: sold, status: "released" });
    expect(await harness.call(getStock, { productId })).toEqual({ productId, available: 10, reserved: 0, sold: 0 });
  });

  it("never oversell when holds and orders race for the last units", async () => {
    const productId = await stocked(20);
    const holds = Array.from({ length: 10 }, () => asCatering(holdStock, { holdId: randomUUID(), lines: [{ productId, quantity: 3 }] }).then(() => 3, () => 0));
    const orders = Array.from({ length: 10 }, () => asOrders(reserveStock, { orderId: randomUUID(), lines: [{ productId, quantity: 2 }] }).then(() => 2, () => 0));
    const taken = (await Promise.all([...holds, ...orders])).reduce((sum, units) => sum + units, 0);
    const stock = await harness.call(getStock, { productId });
    expect(stock.reserved).toBe(taken);
    expect(stock.available + stock.reserved).toBe(20);
    expect(taken).toBeLessThanOrEqual(20);
    expect(taken).toBeGreaterThanOrEqual(19);
  });

  it("are refused to any module but catering, and a product on two lines", async () => {
    const productId = await stocked(5);
    expect(await failureOf(asOrders(holdStock, { holdId: randomUUID(), lines: [{ productId, quantity: 1 }] }))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await failureOf(harness.call(holdStock, { holdId: randomUUID(), lines: [{ productId, quantity: 1 }] }, admin))).toMatchObject({ status: 403 });
    expect(await failureOf(asCatering(holdStock, { holdId: randomUUID(), lines: [{ productId, quantity: 1 }, { productId, quantity: 1 }] }))).toMatchObject({ status: 400 });
  });
});
