/**
 * The console at /console, in headless Chromium, against both topologies (split over NATS, and
 * one process on PostgreSQL so the test can reach into an outbox): an admin signs in, the page
 * shows every node and module, follows new traffic without a reload (rates, module calls, traces
 * with their waterfall), and redrives a dead letter. Only admins get anything, over HTTP and over
 * the bus. A screenshot of each is kept in .ci/ (uploaded by CI).
 */
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../../src/broker/contract-kit.ts";
import { createBroker } from "../../src/broker/create-broker.ts";
import { createLogger } from "../../src/broker/logger.ts";
import { Ops } from "../../src/broker/ops-service.ts";
import { moduleNames } from "../../scripts/processes.ts";
import { launchChromium } from "../support/chromium.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { ADMIN, NATS_URL, startOneProcess, startSplit, type SplitTopology, type Topology } from "../support/topology.ts";

const ARTIFACTS = path.resolve(import.meta.dirname, "../../.ci");
const MODULES = moduleNames();
const WAIT = { timeout: 20_000 };
const SLOW = 60_000;

let browser: Browser;
const running: { topology: Topology; db: TestDatabase }[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  const split = await startSplit({ OTEL_TRACES_EXPORTER: "memory" });
  running.push({ topology: split, db: split.db });
  const db = await createTestDatabase("console");
  running.push({ topology: await startOneProcess({ DATABASE_URL: db.url, OTEL_TRACES_EXPORTER: "memory" }), db });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  for (const { topology, db } of running) {
    await topology.stop();
    if (topology.name !== "split") await db.drop();
  }
});

async function json(baseUrl: string, method: string, url: string, options: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body ? { "content-type": "application/json" } : {}) },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => undefined)) as any };
}

async function signIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe.each(["split", "one-process"])("the console, %s", (name) => {
  let baseUrl: string;
  let db: TestDatabase;
  let page: Page;
  let admin: string;
  const api = (method: string, url: string, options?: { token?: string; body?: unknown }) => json(baseUrl, method, url, options);

  beforeAll(async () => {
    const found = running.find((r) => r.topology.name === name) as { topology: Topology; db: TestDatabase };
    baseUrl = found.topology.baseUrl;
    db = found.db;
    admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
    page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
    page.on("pageerror", (error) => console.error(`console page (${name}): ${error.message}`));
  });

  it("answers only admins, over HTTP and over the bus", async () => {
    const page = await fetch(`${baseUrl}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await page.text()).not.toMatch(/<script>|https?:\/\//);

    const email = `console-${randomUUID().slice(0, 8)}@example.com`;
    expect((await api("POST", "/v1/auth/register", { body: { email, password: "a fine password", name: "Customer" } })).status).toBe(201);
    const customer = (await api("POST", "/v1/auth/login", { body: { email, password: "a fine password" } })).body.accessToken;
    for (const url of ["/console/api/system", "/console/api/traces"]) {
      expect(await api("GET", url)).toMatchObject({ status: 401, body: { code: "unauthorized" } });
      expect(await api("GET", url, { token: customer })).toMatchObject({ status: 403, body: { code: "forbidden" } });
      expect((await api("GET", url, { token: admin })).status).toBe(200);
    }
    const redrive = await api("POST", "/console/api/redrive", { token: customer, body: { module: "catalog", kind: "outbox", id: randomUUID() } });
    expect(redrive).toMatchObject({ status: 403 });
    expect(await api("POST", "/console/api/redrive", { token: admin, body: { module: "catalog", kind: "outbox", id: "not-a-uuid" } })).toMatchObject({ status: 400, body: { code: "validation_failed" } });
    expect(await api("POST", "/console/api/redrive", { token: admin, body: { module: "catalog", kind: "outbox", id: randomUUID() } })).toMatchObject({ status: 404 });

    if (name !== "split") return;
    // A member of the bus (it holds the bus secret) still needs an admin's token for `$ops`.
    const topology = running.find((r) => r.topology.name === "split")?.topology as SplitTopology;
    const member = createBroker({ namespace: topology.namespace, owner: "member", natsUrl: NATS_URL, busSecret: await topology.busSecret(), identity: await topology.identity(), logger: createLogger("silent"), logLevel: "silent", requestTimeoutMs: 3_000, heartbeatIntervalS: 1, heartbeatTimeoutS: 3 });
    await member.start();
    try {
      await member.waitForServices([Ops.name, ...MODULES], 10_000);
      const catalogNode = (member.registry.getNodeList({ onlyAvailable: true, withServices: true }) as unknown as { id: string; services: { name: string }[] }[]).find((n) => n.services.some((s) => s.name === "catalog"))?.id as string;
      const ask = (token?: string) => call(member, Ops.actions.status, {}, { nodeID: catalogNode, meta: token ? { authToken: token } : {}, retries: 0 });
      await expect(ask()).rejects.toMatchObject({ code: 401 });
      await expect(ask(customer)).rejects.toMatchObject({ code: 403 });
      await expect(call(member, Ops.actions.redrive, { module: "catalog", kind: "outbox", id: randomUUID() }, { nodeID: catalogNode, meta: { authToken: customer }, retries: 0 })).rejects.toMatchObject({ code: 403 });
      expect((await ask(admin)).modules.map((m) => m.name)).toEqual(["catalog"]);
    } finally {
      await member.stop();
    }
  });

  it("signs an admin in and shows every node and module, healthy", { timeout: SLOW }, async () => {
    await signIn(page, baseUrl);
    for (const module of MODULES) {
      await expect.poll(() => page.locator(`#modules tr[data-module="${module}"] .badge`).textContent(), WAIT).toBe("up");
    }
    // Split: a process per module and the gateway; one process: one node running everything.
    const nodes = page.locator("#nodes tbody tr");
    await expect.poll(() => nodes.count(), WAIT).toBe(name === "split" ? MODULES.length + 1 : 1);
    const runs = await nodes.allTextContents();
    for (const module of MODULES) expect(runs.some((text) => text.includes(module))).toBe(true);
    expect(runs.some((text) => text.includes("gateway"))).toBe(true);
    // The graph draws every module, and who handles whose events as they subscribed.
    expect(await page.locator("#graph [data-graph-module]").count()).toBe(MODULES.length);
    expect(await page.locator('#graph [data-edge="orders>payments:events"]').count()).toBe(1);
  });

  it("follows new traffic without a reload: rates, module calls and the trace of a checkout", { timeout: SLOW }, async () => {
    const product = await api("POST", "/v1/products", { token: admin, body: { sku: `C-${randomUUID().slice(0, 8)}`, name: "Console", priceCents: 100, currency: "EUR" } });
    expect((await api("PUT", `/v1/inventory/${product.body.id}`, { token: admin, body: { available: 10 } })).status).toBe(200);
    const placed = await api("POST", "/v1/orders", { token: admin, body: { items: [{ productId: product.body.id, quantity: 1 }], paymentToken: "tok_visa" } });
    expect(placed.status).toBe(201);

    await expect.poll(async () => Number(await page.locator('#modules tr[data-module="orders"] [data-field="rate"]').textContent()), WAIT).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#graph [data-edge="orders>inventory:calls"]').count(), WAIT).toBe(1);

    const checkout = page.locator("#traces li", { hasText: "POST /v1/orders" }).first();
    await checkout.waitFor(WAIT);
    await checkout.click();
    const waterfall = page.locator("#waterfall .row");
    await expect.poll(() => waterfall.count(), WAIT).toBeGreaterThan(3);
    const labels = (await waterfall.allTextContents()).join("\n");
    expect(labels).toContain("orders.placeOrder");
    expect(labels).toContain("inventory.reserveStock");
    // Split, the spans come from several processes, each its own service.
    if (name === "split") for (const service of ["bazaar-gateway", "bazaar-orders", "bazaar-inventory"]) expect(labels).toContain(service);
  });

  it("redrives a dead letter from its outbox", { timeout: SLOW }, async () => {
    // An event its relay gave up on, as after ten failed deliveries: the subscribers had handled it
    // already, so the redrive is absorbed by their inboxes.
    const [dead] = await db.query<{ id: string }>(
      `update catalog.outbox set published_at = null, dead_at = now(), attempts = 10, last_error = 'subscriber failed (made by the console test)'
       where id = (select id from catalog.outbox where published_at is not null order by occurred_at desc limit 1) returning id`,
    );
    expect(dead).toBeDefined();
    const row = page.locator(`#dead-letters tr[data-dead-letter="${dead?.id}"]`);
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain("subscriber failed");
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}.png`), fullPage: true });

    await row.getByRole("button", { name: "Redrive" }).click();
    await row.waitFor({ state: "detached", ...WAIT });
    const state = async () => (await db.query("select published_at is not null as published, dead_at is not null as dead from catalog.outbox where id = $1", [dead?.id]))[0];
    await expect.poll(state, WAIT).toEqual({ published: true, dead: false });
  });

});

// Split over NATS, JetStream keeps each subscriber's failed deliveries (its dead-letter stream).
describe("the console, one process", () => {
  it("redrives an event a module gave up handling (each module keeps its failed deliveries)", { timeout: SLOW }, async () => {
    const { topology, db } = running.find((r) => r.topology.name === "one-process") as { topology: Topology; db: TestDatabase };
    const page = await browser.newPage();
    await signIn(page, topology.baseUrl);
    // Payments gave up on an order's event after ten attempts (it had handled it before, so the
    // redrive finds it in its inbox and is done).
    const [placed] = await db.query<{ id: string }>(
      `insert into payments.event_retries (event_id, consumer, envelope, attempts, next_at, dead_at, last_error)
       select id, 'payments', jsonb_build_object('id', id, 'name', name, 'payload', payload, 'occurredAt', occurred_at, 'requestId', request_id), 10, now(), now(), 'provider misconfigured (made by the console test)'
       from orders.outbox where name = 'orders.order.placed' order by occurred_at desc limit 1 returning event_id as id`,
    );
    const row = page.locator(`#dead-letters tr[data-dead-letter="${placed?.id}"]`);
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain("handled by payments");
    await row.getByRole("button", { name: "Redrive" }).click();
    await row.waitFor({ state: "detached", ...WAIT });
    await expect.poll(async () => db.query("select 1 from payments.event_retries where event_id = $1", [placed?.id]), WAIT).toEqual([]);
    await page.close();
  });
});
