import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AuthUser } from "../../../broker/auth.ts";
import type { EventEnvelope } from "../../../broker/events/transport.ts";
import { notFound } from "../../../broker/errors.ts";
import { failureOf, startModule, stubModule, type ModuleHarness } from "../../../../test/support/module-harness.ts";
import { Orders, type Order } from "../../orders/contract.ts";
import { Payments } from "../contract.ts";
import { providerLedger } from "../domain/provider-ledger.ts";
import { paymentsModule } from "../payments.service.ts";

const { listPayments } = Payments.actions;
const owner: AuthUser = { id: randomUUID(), roles: ["customer"] };
const stranger: AuthUser = { id: randomUUID(), roles: ["customer"] };
const admin: AuthUser = { id: randomUUID(), roles: ["admin"] };

let harness: ModuleHarness;
const visibleOrder = randomUUID();
const published: EventEnvelope[] = [];

beforeAll(async () => {
  // Orders answers for orders its caller may see: here, only `visibleOrder`.
  const orders = stubModule(Orders, {
    getOrder: async ({ id }) => {
      if (id !== visibleOrder) throw notFound();
      const at = new Date().toISOString();
      return { id, userId: owner.id, status: "awaiting_payment", cancelReason: null, items: [], totalCents: 1250, currency: "EUR", createdAt: at, updatedAt: at } satisfies Order;
    },
  });
  harness = await startModule(paymentsModule, { env: { PAYMENTS_RETRY_WINDOW_S: "2" }, services: [orders] });
  await harness.events.subscribe("recorder", Object.keys(Payments.events), async (e) => void published.push(e));
});
afterAll(() => harness?.close());

const deliver = (name: string, payload: object, id: string = randomUUID()) =>
  harness.events.publish({ id, name, payload, occurredAt: new Date().toISOString(), requestId: null });

const place = (orderId: string, paymentToken: string, eventId?: string) =>
  deliver("orders.order.placed", { orderId, userId: owner.id, totalCents: 1250, currency: "EUR", paymentToken }, eventId);

const outcomeFor = async (orderId: string, timeout = 5_000) => {
  await vi.waitFor(() => expect(published.some((e) => (e.payload as { orderId: string }).orderId === orderId)).toBe(true), { timeout });
  return published.filter((e) => (e.payload as { orderId: string }).orderId === orderId).map((e) => e.name);
};

describe("charging a placed order", () => {
  it("captures once, however often the order arrives, and shows the payment to its owner", async () => {
    const orderId = randomUUID();
    const eventId = randomUUID();
    await place(orderId, "tok_visa", eventId);
    await place(orderId, "tok_visa", eventId);
    await place(orderId, "tok_visa");
    expect(await outcomeFor(orderId)).toEqual(["payments.payment.captured"]);
    const { items } = await harness.call(listPayments, { orderId }, owner);
    expect(items).toEqual([expect.objectContaining({ orderId, amountCents: 1250, currency: "EUR", status: "captured" })]);
    expect((await harness.call(listPayments, { orderId }, admin)).items).toHaveLength(1);
    expect(await failureOf(harness.call(listPayments, { orderId }, stranger))).toMatchObject({ status: 404 });
    const rows = await harness.db.query("select status from payments.payments where order_id = $1", [orderId]);
    expect(rows).toEqual([{ status: "captured" }]);
  });

  it("reports a declined card", async () => {
    const orderId = randomUUID();
    await place(orderId, "tok_declined");
    expect(await outcomeFor(orderId)).toEqual(["payments.payment.declined"]);
    expect((await harness.call(listPayments, { orderId }, owner)).items[0]?.status).toBe("declined");
  });

  it("retries an unavailable provider, then declines once the retry window has passed", async () => {
    const orderId = randomUUID();
    await place(orderId, "tok_unavailable");
    await vi.waitFor(async () => {
      const [row] = await harness.db.query<{ attempts: number }>("select attempts from payments.payments where order_id = $1", [orderId]);
      expect(row?.attempts).toBeGreaterThanOrEqual(2);
    }, { timeout: 5_000 });
    expect(await outcomeFor(orderId)).toEqual(["payments.payment.declined"]);
    expect(published.find((e) => (e.payload as { orderId: string }).orderId === orderId)?.payload).toMatchObject({ reason: "provider_unavailable" });
  });
});

describe("payments.listPayments before payments has seen the order", () => {
  it("answers an empty list to whoever may see the order, and 404 to anyone else", async () => {
    expect(await harness.call(listPayments, { orderId: visibleOrder }, owner)).toEqual({ items: [], nextCursor: null });
    expect(await failureOf(harness.call(listPayments, { orderId: randomUUID() }, stranger))).toMatchObject({ status: 404, code: "not_found" });
  });
});

describe("payments.listPayments without an order", () => {
  it("pages through the caller's settled payments newest first; only an admin names another user", async () => {
    const buyer: AuthUser = { id: randomUUID(), roles: ["customer"] };
    const orderIds = [randomUUID(), randomUUID(), randomUUID()];
    for (const [i, orderId] of orderIds.entries()) {
      await deliver("orders.order.placed", { orderId, userId: buyer.id, totalCents: 100 + i, currency: "EUR", paymentToken: i === 1 ? "tok_declined" : "tok_visa" });
      await outcomeFor(orderId);
    }
    const first = await harness.call(listPayments, { limit: 2 }, buyer);
    const second = await harness.call(listPayments, { limit: 2, cursor: first.nextCursor as string }, buyer);
    expect([...first.items, ...second.items].map((item) => [item.orderId, item.status])).toEqual([
      [orderIds[2], "captured"],
      [orderIds[1], "declined"],
      [orderIds[0], "captured"],
    ]);
    expect(second.nextCursor).toBeNull();
    expect((await harness.call(listPayments, { userId: buyer.id }, admin)).items).toHaveLength(3);
    expect(await failureOf(harness.call(listPayments, { userId: buyer.id }, stranger))).toMatchObject({ status: 403, code: "forbidden" });
    expect((await harness.call(listPayments, {}, stranger)).items).toEqual([]);
  });
});

describe("cancelled orders", () => {
  it("refunds a captured payment", async () => {
    const orderId = randomUUID();
    await place(orderId, "tok_visa");
    await outcomeFor(orderId);
    await deliver("orders.order.cancelled", { orderId, userId: owner.id, reason: "customer" });
    await vi.waitFor(async () => expect(await outcomeFor(orderId)).toEqual(["payments.payment.captured", "payments.payment.refunded"]), { timeout: 5_000 });
    expect((await harness.call(listPayments, { orderId }, owner)).items[0]?.status).toBe("refunded");
  });

  it("never charges an order whose cancellation arrived first", async () => {
    const orderId = randomUUID();
    await deliver("orders.order.cancelled", { orderId, userId: owner.id, reason: "customer" });
    await place(orderId, "tok_visa");
    const marker = randomUUID();
    await place(marker, "tok_visa");
    await outcomeFor(marker);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(published.filter((e) => (e.payload as { orderId: string }).orderId === orderId)).toEqual([]);
    expect((await harness.call(listPayments, { orderId }, owner)).items).toEqual([]);
  });
});

describe("the simulated provider's books", () => {
  it("keep the first outcome per key and kind, for answers written down together", async () => {
    const ledger = providerLedger(harness.runtime.db);
    const [earlier, fresh] = [randomUUID(), randomUUID()];
    expect(await ledger.record(earlier, "charge", "declined")).toBe("declined");
    // Arriving together, these share one statement: a repeat within it and a key already booked included.
    const answers = await Promise.all([
      ledger.record(earlier, "charge", "captured"),
      ledger.record(fresh, "charge", "captured"),
      ledger.record(fresh.toUpperCase(), "charge", "declined"),
      ledger.record(fresh, "refund", "refunded"),
    ]);
    expect(answers).toEqual(["declined", "captured", "captured", "refunded"]);
  });
});

describe("charges that meet trouble", () => {
  const statusOf = async (orderId: string) =>
    (await harness.db.query<{ id: string; status: string }>("select id, status from payments.payments where order_id = $1", [orderId]))[0];
  const bookedFor = (paymentId: string) =>
    harness.db.query<{ kind: string; outcome: string }>("select kind, outcome from payments.simulated_provider_ledger where idempotency_key = $1 order by kind", [paymentId]);

  it("refunds a capture that lost the race with the order's cancellation", async () => {
    // The provider's books are locked, so the worker's charge waits between the provider's
    // answer and its write while the cancellation lands.
    const books = new pg.Client({ connectionString: harness.db.url });
    await books.connect();
    try {
      await books.query("begin");
      await books.query("lock table payments.simulated_provider_ledger in exclusive mode");
      const orderId = randomUUID();
      await place(orderId, "tok_visa");
      await vi.waitFor(async () => expect((await statusOf(orderId))?.status).toBe("pending"));
      await deliver("orders.order.cancelled", { orderId, userId: owner.id, reason: "customer" });
      await vi.waitFor(async () => expect((await statusOf(orderId))?.status).toBe("voided"));
      await books.query("commit");
      await vi.waitFor(async () => expect((await statusOf(orderId))?.status).toBe("refunded"), { timeout: 5_000 });
      const payment = (await statusOf(orderId)) as { id: string };
      expect(await bookedFor(payment.id)).toEqual([
        { kind: "charge", outcome: "captured" },
        { kind: "refund", outcome: "refunded" },
      ]);
      // Nobody was told of a capture that did not stand.
      expect(published.filter((e) => (e.payload as { orderId: string }).orderId === orderId).map((e) => e.name)).toEqual(["payments.payment.refunded"]);
    } finally {
      await books.end();
    }
  });

  it("charges once when the worker fails between the provider's answer and its own write", async () => {
    // The first write of a capture fails, as if the worker had died right after the provider answered.
    await harness.db.query(`
      create table payments.fail_next_capture (armed boolean);
      insert into payments.fail_next_capture values (true);
      create function payments.fail_capture() returns trigger language plpgsql as $$
      begin
        if new.status = 'captured' and exists (select 1 from payments.fail_next_capture) then raise exception 'injected: the worker died'; end if;
        return new;
      end $$;
      create trigger fail_capture before update on payments.payments for each row execute function payments.fail_capture();`);
    try {
      const orderId = randomUUID();
      await place(orderId, "tok_visa");
      const payment = await vi.waitFor(async () => {
        const row = await statusOf(orderId);
        expect(await bookedFor(row?.id as string)).toHaveLength(1);
        return row as { id: string };
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await statusOf(orderId))?.status).toBe("pending");
      await harness.db.query("delete from payments.fail_next_capture");
      // The lease runs out and the charge is asked again, under the same idempotency key.
      expect(await outcomeFor(orderId, 15_000)).toEqual(["payments.payment.captured"]);
      expect((await statusOf(orderId))?.status).toBe("captured");
      expect(await bookedFor(payment.id)).toEqual([{ kind: "charge", outcome: "captured" }]);
    } finally {
      await harness.db.query("drop trigger if exists fail_capture on payments.payments; drop function if exists payments.fail_capture(); drop table if exists payments.fail_next_capture");
    }
  }, 30_000);
});

