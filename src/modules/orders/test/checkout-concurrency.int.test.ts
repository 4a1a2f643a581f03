import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AuthUser } from "../../../broker/auth.ts";
import { startModule, stubModule, type ModuleHarness } from "../../../../test/support/module-harness.ts";
import { Catalog, type Product } from "../../catalog/contract.ts";
import { Inventory } from "../../inventory/contract.ts";
import { Orders } from "../contract.ts";
import { ordersModule } from "../orders.service.ts";

const now = new Date().toISOString();
const product: Product = { id: randomUUID(), sku: "S-1", name: "Thing", description: "", priceCents: 100, currency: "EUR", category: null, active: true, createdAt: now, updatedAt: now };
const customer: AuthUser = { id: randomUUID(), roles: ["customer"] };
let inFlight = 0;
let mostAtOnce = 0;
let open: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (open = resolve));
let harness: ModuleHarness;

beforeAll(async () => {
  const catalog = stubModule(Catalog, {
    getProducts: async () => {
      inFlight++;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      await gate;
      inFlight--;
      return { items: [product] };
    },
  });
  const inventory = stubModule(Inventory, { reserveStock: async ({ orderId }) => ({ orderId, status: "held" }) });
  harness = await startModule(ordersModule, { services: [catalog, inventory], env: { ORDERS_CHECKOUT_CONCURRENCY: "2" } });
});
afterAll(() => harness?.close());

describe("orders.placeOrder with ORDERS_CHECKOUT_CONCURRENCY", () => {
  it("runs at most that many checkouts at once; the others wait their turn and then succeed", async () => {
    const placing = Array.from({ length: 5 }, () =>
      harness.call(Orders.actions.placeOrder, { order: { items: [{ productId: product.id, quantity: 1 }], paymentToken: "tok_visa" } }, customer),
    );
    await vi.waitFor(() => expect(inFlight).toBe(2));
    // Give the waiting ones every chance to start, should nothing hold them back.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mostAtOnce).toBe(2);
    open();
    const orders = await Promise.all(placing);
    expect(orders.map((order) => order.status)).toEqual(Array(5).fill("awaiting_payment"));
  });
});
