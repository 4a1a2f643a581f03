/**
 * Catering on its own, on a fresh PostgreSQL database, with catalog and inventory stubbed from
 * their contracts: quoting, who sees what, and each step of a request's life with what it asks of
 * inventory, also when inventory is unreachable for a while.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuthUser } from "../../../broker/auth.ts";
import { dependencyUnavailable } from "../../../broker/errors.ts";
import { failureOf, startModule, stubModule, type ModuleHarness } from "../../../../test/support/module-harness.ts";
import { Catalog, type Product } from "../../catalog/contract.ts";
import { Inventory } from "../../inventory/contract.ts";
import { cateringModule } from "../catering.service.ts";
import { Catering } from "../contract.ts";

const { createRequest, listRequests, getRequest, confirmRequest, declineRequest, cancelRequest, fulfilRequest } = Catering.actions;
const admin: AuthUser = { id: randomUUID(), roles: ["admin"] };
const ada: AuthUser = { id: randomUUID(), roles: ["customer"] };
const bob: AuthUser = { id: randomUUID(), roles: ["customer"] };

const products = new Map<string, Product>();
const product = (priceCents: number, currency = "EUR", active = true): string => {
  const id = randomUUID();
  products.set(id, { id, sku: `C-${id.slice(0, 8)}`, name: `Dish ${id.slice(0, 4)}`, description: "", priceCents, currency, category: null, active, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() });
  return id;
};
/** What the inventory stub was asked, in order; `short` products are out of stock, `down` makes it unreachable. */
const asked: { action: string; holdId: string }[] = [];
const short = new Set<string>();
let down = false;

let harness: ModuleHarness;
beforeAll(async () => {
  const catalog = stubModule(Catalog, { getProducts: async ({ ids }) => ({ items: ids.flatMap((id) => products.get(id) ?? []) }) });
  const reachable = () => {
    if (down) throw dependencyUnavailable();
  };
  const inventory = stubModule(Inventory, {
    holdStock: async ({ holdId, lines }) => {
      reachable();
      const missing = lines.filter((line) => short.has(line.productId)).map((line) => line.productId);
      if (missing.length > 0) throw Inventory.errors.outOfStock.error(undefined, { members: { productIds: missing } });
      asked.push({ action: "hold", holdId });
      return { holdId, status: "held" };
    },
    sellHold: async ({ holdId }) => (reachable(), asked.push({ action: "sell", holdId }), { holdId, status: "sold" }),
    releaseHold: async ({ holdId }) => (reachable(), asked.push({ action: "release", holdId }), { holdId, status: "released" }),
  });
  harness = await startModule(cateringModule, { services: [catalog, inventory] });
});
afterAll(() => harness?.close());
beforeEach(() => {
  asked.length = 0;
  down = false;
});

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const requestFor = (user: AuthUser, items: { productId: string; quantity: number }[], guests = 10) => harness.call(createRequest, { eventDate: inDays(30), guests, items }, user);

describe("catering.createRequest", () => {
  it("quotes from the catalog's prices with the guests' discount, and holds nothing", async () => {
    const [a, b] = [product(250), product(1999)];
    const made = await harness.call(createRequest, { eventDate: inDays(2), guests: 200, items: [{ productId: a, quantity: 40 }, { productId: b, quantity: 3 }], notes: "vegetarian" }, ada);
    expect(made).toMatchObject({
      userId: ada.id, status: "requested", guests: 200, subtotalCents: 15_997, discountPercent: 15, discountCents: 2399, totalCents: 13_598, currency: "EUR", notes: "vegetarian", declineReason: null,
      items: [expect.objectContaining({ productId: a, unitPriceCents: 250, quantity: 40, lineTotalCents: 10_000 }), expect.objectContaining({ productId: b, lineTotalCents: 5997 })],
    });
    expect(asked).toEqual([]);
    expect((await requestFor(ada, [{ productId: a, quantity: 1 }], 49)).discountPercent).toBe(0);
    expect((await requestFor(ada, [{ productId: a, quantity: 1 }], 50)).discountPercent).toBe(10);
  });

  it("refuses events too soon or too far, unknown or inactive products, mixed currencies", async () => {
    const eur = product(100);
    for (const days of [1, 366]) {
      expect(await failureOf(harness.call(createRequest, { eventDate: inDays(days), guests: 5, items: [{ productId: eur, quantity: 1 }] }, ada))).toMatchObject({ status: 422, code: "event_date_out_of_range" });
    }
    expect((await harness.call(createRequest, { eventDate: inDays(365), guests: 5, items: [{ productId: eur, quantity: 1 }] }, ada)).status).toBe("requested");
    expect(await failureOf(harness.call(createRequest, { eventDate: "2027-02-30", guests: 5, items: [{ productId: eur, quantity: 1 }] }, ada))).toMatchObject({ status: 400 });
    expect(await failureOf(requestFor(ada, [{ productId: randomUUID(), quantity: 1 }]))).toMatchObject({ status: 409, code: "product_unavailable" });
    expect(await failureOf(requestFor(ada, [{ productId: product(100, "EUR", false), quantity: 1 }]))).toMatchObject({ status: 409, code: "product_unavailable" });
    expect(await failureOf(requestFor(ada, [{ productId: eur, quantity: 1 }, { productId: product(100, "USD"), quantity: 1 }]))).toMatchObject({ status: 422, code: "mixed_currency" });
    expect(await failureOf(requestFor(ada, [{ productId: eur, quantity: 1 }, { productId: eur, quantity: 2 }]))).toMatchObject({ status: 400 });
    expect(await failureOf(harness.call(createRequest, { eventDate: inDays(30), guests: 5, items: [{ productId: eur, quantity: 1 }] }))).toMatchObject({ status: 401 });
  });
});

describe("catering.getRequest and listRequests", () => {
  it("show customers their own requests and admins everyone's, newest first and filtered", async () => {
    const dish = product(100);
    const first = await requestFor(bob, [{ productId: dish, quantity: 1 }]);
    const second = await requestFor(bob, [{ productId: dish, quantity: 2 }]);
    await harness.call(declineRequest, { id: first.id }, admin);
    expect((await harness.call(getRequest, { id: first.id }, bob)).status).toBe("declined");
    expect(await failureOf(harness.call(getRequest, { id: first.id }, ada))).toMatchObject({ status: 404 });
    expect((await harness.call(getRequest, { id: first.id }, admin)).id).toBe(first.id);

    const own = await harness.call(listRequests, { limit: 1 }, bob);
    expect(own.items.map((r) => r.id)).toEqual([second.id]);
    expect((await harness.call(listRequests, { limit: 1, cursor: own.nextCursor as string }, bob)).items.map((r) => r.id)).toEqual([first.id]);
    expect((await harness.call(listRequests, { status: "declined" }, bob)).items.map((r) => r.id)).toEqual([first.id]);
    expect((await harness.call(listRequests, {}, ada)).items.every((r) => r.userId === ada.id)).toBe(true);
    expect((await harness.call(listRequests, { userId: bob.id }, admin)).items.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(await failureOf(harness.call(listRequests, { userId: bob.id }, ada))).toMatchObject({ status: 403 });
  });
});

describe("a request's life", () => {
  it("confirm holds its lines under its id, fulfil sells them; each step once", async () => {
    const made = await requestFor(ada, [{ productId: product(100), quantity: 500 }]);
    expect(await failureOf(harness.call(confirmRequest, { id: made.id }, ada))).toMatchObject({ status: 403 });
    expect(await failureOf(harness.call(fulfilRequest, { id: made.id }, admin))).toMatchObject({ status: 409, code: "invalid_state" });
    expect((await harness.call(confirmRequest, { id: made.id }, admin)).status).toBe("confirmed");
    expect((await harness.call(confirmRequest, { id: made.id }, admin)).status).toBe("confirmed");
    expect(await failureOf(harness.call(declineRequest, { id: made.id }, admin))).toMatchObject({ status: 409, code: "invalid_state" });
    expect((await harness.call(fulfilRequest, { id: made.id }, admin)).status).toBe("fulfilled");
    expect(await failureOf(harness.call(cancelRequest, { id: made.id }, ada))).toMatchObject({ status: 409, code: "invalid_state" });
    expect(asked).toEqual([{ action: "hold", holdId: made.id }, { action: "sell", holdId: made.id }]);
  });

  it("a confirmation short of stock names the products and leaves the request requested", async () => {
    const scarce = product(100);
    short.add(scarce);
    const made = await requestFor(ada, [{ productId: product(100), quantity: 1 }, { productId: scarce, quantity: 9 }]);
    const failure = await failureOf(harness.call(confirmRequest, { id: made.id }, admin));
    expect(failure).toMatchObject({ status: 409, code: "out_of_stock", data: { members: { productIds: [scarce] } } });
    expect((await harness.call(getRequest, { id: made.id }, ada)).status).toBe("requested");
  });

  it("decline keeps the reason; cancel by the owner or an admin gives back what is held; others get 404", async () => {
    const dish = product(100);
    const declined = await harness.call(declineRequest, { id: (await requestFor(ada, [{ productId: dish, quantity: 1 }])).id, reason: "fully booked" }, admin);
    expect(declined).toMatchObject({ status: "declined", declineReason: "fully booked" });
    const confirmed = await requestFor(ada, [{ productId: dish, quantity: 1 }]);
    await harness.call(confirmRequest, { id: confirmed.id }, admin);
    expect(await failureOf(harness.call(cancelRequest, { id: confirmed.id }, bob))).toMatchObject({ status: 404 });
    expect((await harness.call(cancelRequest, { id: confirmed.id }, ada)).status).toBe("cancelled");
    expect(asked.filter((a) => a.holdId === confirmed.id).map((a) => a.action)).toEqual(["hold", "release"]);
    expect(await failureOf(harness.call(cancelRequest, { id: confirmed.id }, admin))).toMatchObject({ status: 409, code: "invalid_state" });
  });

  it("a cancellation while inventory is unreachable answers at once, and the units go back within seconds", async () => {
    const made = await requestFor(ada, [{ productId: product(100), quantity: 5 }]);
    await harness.call(confirmRequest, { id: made.id }, admin);
    down = true;
    expect((await harness.call(cancelRequest, { id: made.id }, ada)).status).toBe("cancelled");
    expect(asked.map((a) => a.action)).toEqual(["hold"]);
    down = false;
    await vi.waitFor(() => expect(asked).toContainEqual({ action: "release", holdId: made.id }), { timeout: 8_000, interval: 100 });
    const [row] = await harness.db.query<{ stock_move: string | null }>("select stock_move from catering.requests where id = $1", [made.id]);
    expect(row?.stock_move).toBeNull();
  });
});
