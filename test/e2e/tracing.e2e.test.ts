/**
 * One request, followed across the modules of a split deployment: with TRACING=1 every process logs
 * its spans, and those of a checkout (gateway → orders → catalog, inventory) carry the request's
 * x-request-id as their trace id, chained by parent span ids.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnSplit, stopAll, waitUntilReady, type BazaarProcess } from "../../scripts/processes.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { ADMIN, freePort, NATS_URL } from "../support/topology.ts";
import { client } from "./http.ts";

let processes: BazaarProcess[] = [];
let db: TestDatabase;
let dataDir: string;
let baseUrl: string;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  db = await createTestDatabase("tracing");
  dataDir = await mkdtemp(path.join(tmpdir(), "bazaar-tracing-"));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  processes = spawnSplit(
    {
      NODE_ENV: "test",
      TRACING: "1",
      LOG_LEVEL: "info",
      PORT: String(port),
      DATA_DIR: dataDir,
      NATS_URL,
      DATABASE_URL: db.url,
      BUS_NAMESPACE: `trace-${randomBytes(4).toString("hex")}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    },
    "pipe",
  );
  for (const process of processes) {
    let buffer = "";
    process.child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const complete = buffer.split("\n");
      buffer = complete.pop() ?? "";
      for (const line of complete) {
        try {
          lines.push({ ...JSON.parse(line), process: process.name });
        } catch {
          // not a log line
        }
      }
    });
  }
  await waitUntilReady(baseUrl);
}, 120_000);
afterAll(async () => {
  await stopAll(processes);
  await rm(dataDir, { recursive: true, force: true });
  await db?.drop();
});

describe("tracing a checkout across processes", () => {
  it("logs the spans of every module the request reached under its x-request-id", async () => {
    const api = client(() => baseUrl);
    const admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
    const product = await api("POST", "/v1/products", { token: admin, body: { sku: `T-${randomUUID().slice(0, 8)}`, name: "Traced", priceCents: 5, currency: "EUR" } });
    await api("PUT", `/v1/inventory/${product.body.id}`, { token: admin, body: { available: 3 } });
    const requestId = `trace-${randomUUID()}`;
    const placed = await api("POST", "/v1/orders", {
      token: admin,
      headers: { "x-request-id": requestId },
      body: { items: [{ productId: product.body.id, quantity: 1 }], paymentToken: "tok_visa" },
    });
    expect(placed.status).toBe(201);
    await vi.waitFor(() => {
      const spans = lines.filter((line) => line.msg === "span" && line.traceId === requestId);
      const where = Object.fromEntries(spans.map((span) => [span.span, span.process]));
      expect(where).toMatchObject({
        "action 'orders.placeOrder'": "orders",
        "action 'catalog.getProducts'": "catalog",
        "action 'inventory.reserveStock'": "inventory",
      });
    }, { timeout: 10_000 });
    const spans = lines.filter((line) => line.msg === "span" && line.traceId === requestId);
    // One tree: orders' span is the root, and the calls it made hang below it, in other processes.
    const root = spans.find((span) => span.span === "action 'orders.placeOrder'");
    expect(root?.parentSpanId).toBeNull();
    for (const child of ["action 'catalog.getProducts'", "action 'inventory.reserveStock'"]) {
      expect(spans.find((span) => span.span === child)?.parentSpanId).toBe(root?.spanId);
    }
    // The request id also reaches the gateway's request log.
    await vi.waitFor(() =>
      expect(lines.some((line) => line.process === "gateway" && line.requestId === requestId && line.msg === "request completed")).toBe(true),
    );
  });
});
