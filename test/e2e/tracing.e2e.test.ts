/**
 * One checkout, followed with OpenTelemetry in both topologies (split over NATS, and one process on
 * PostgreSQL: the embedded database has no SQL spans, as PGlite has no instrumentation): every
 * process exports its spans over OTLP (the standard OTEL_* settings) to a receiver this test runs,
 * and they form one trace, continuing the caller's `traceparent`: the gateway's request, the broker
 * calls on both sides, the SQL statements, the durable event to payments, the charge, and the events
 * back to orders and on to inventory. Log lines written inside a span name its trace and span.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnBazaar, spawnSplit, stopAll, waitUntilReady, type BazaarProcess } from "../../scripts/processes.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { ADMIN, freePort, NATS_URL } from "../support/topology.ts";
import { client } from "./http.ts";

/** A span as OTLP/JSON carries it, with the service that sent it. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

let processes: BazaarProcess[] = [];
let db: TestDatabase;
let dataDir: string;
let receiver: Server;
const spans: ReceivedSpan[] = [];
const lines: Record<string, unknown>[] = [];

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
const valueOf = (value: AnyValue) => value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
const attributesOf = (list: { key: string; value: AnyValue }[] = []) => Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));

/** An OTLP/HTTP endpoint (JSON encoding) that keeps every span it receives. */
async function startReceiver(): Promise<string> {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        const payload = JSON.parse(body) as { resourceSpans: { resource: { attributes: { key: string; value: AnyValue }[] }; scopeSpans: { spans: any[] }[] }[] };
        for (const resourceSpans of payload.resourceSpans) {
          const service = String(attributesOf(resourceSpans.resource.attributes)["service.name"]);
          for (const scope of resourceSpans.scopeSpans) {
            for (const span of scope.spans) {
              spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name, kind: span.kind, attributes: attributesOf(span.attributes), links: span.links ?? [] });
            }
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
  return `http://127.0.0.1:${port}`;
}

/** Where a module's spans come from: split, a process per module; in one process, that one. */
type Topology = { name: string; baseUrl: string; serviceOf: (module: string) => string; gatewayProcess: string };

const topologies: Topology[] = [];

/** The topology's processes, with their log lines collected in `lines`. */
async function launch(split: boolean): Promise<Topology> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    PORT: String(port),
    DATA_DIR: await mkdtemp(path.join(dataDir, split ? "split-" : "one-")),
    DATABASE_URL: split ? db.url : (await createTestDatabase("tracing-one")).url,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    // Batches go out every 200 ms instead of every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: "200",
    ...(split ? { NATS_URL, BUS_NAMESPACE: `trace-${randomBytes(4).toString("hex")}` } : {}),
  };
  const started = split ? spawnSplit(env, "pipe") : [spawnBazaar("bazaar", env, "pipe")];
  processes.push(...started);
  for (const process of started) {
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
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(baseUrl);
  return split
    ? { name: "split over NATS", baseUrl, serviceOf: (module) => `bazaar-${module}`, gatewayProcess: "gateway" }
    : { name: "one process", baseUrl, serviceOf: () => "bazaar-all", gatewayProcess: "bazaar" };
}

let endpoint: string;
beforeAll(async () => {
  endpoint = await startReceiver();
  db = await createTestDatabase("tracing");
  dataDir = await mkdtemp(path.join(tmpdir(), "bazaar-tracing-"));
  topologies.push(await launch(true), await launch(false));
}, 180_000);
afterAll(async () => {
  await stopAll(processes);
  await new Promise((resolve) => receiver?.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
  await db?.drop();
});

describe.each(["split over NATS", "one process"])("OpenTelemetry traces of a checkout, %s", (name) => {
  it("send one trace, continuing the caller's, with spans from the gateway and every module the order passed through", async () => {
    const { baseUrl, serviceOf, gatewayProcess } = topologies.find((topology) => topology.name === name) as Topology;
    const api = client(() => baseUrl);
    const admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
    const product = await api("POST", "/v1/products", { token: admin, body: { sku: `T-${randomUUID().slice(0, 8)}`, name: "Traced", priceCents: 5, currency: "EUR" } });
    await api("PUT", `/v1/inventory/${product.body.id}`, { token: admin, body: { available: 3 } });

    // A malformed traceparent is ignored: the request is served as untraced by the caller.
    expect((await api("GET", "/v1/products?limit=1", { headers: { traceparent: "00-not-a-trace-01" } })).status).toBe(200);

    const traceId = randomBytes(16).toString("hex");
    const callerSpanId = randomBytes(8).toString("hex");
    const placed = await api("POST", "/v1/orders", {
      token: admin,
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: { items: [{ productId: product.body.id, quantity: 1 }], paymentToken: "tok_visa" },
    });
    expect(placed.status).toBe(201);
    const requestId = placed.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    await vi.waitFor(async () => expect((await api("GET", `/v1/orders/${placed.body.id}`, { token: admin })).body.status).toBe("paid"), { timeout: 15_000 });

    const services = ["gateway", "orders", "catalog", "inventory", "payments"].map(serviceOf);
    const ofTrace = () => spans.filter((span) => span.traceId === traceId);
    await vi.waitFor(() => {
      const seen = new Set(ofTrace().map((span) => span.service));
      for (const service of services) expect(seen.has(service), service).toBe(true);
      // Through to `paid`: the capture continues the order's trace, back to orders and on to inventory.
      expect(ofTrace().some((span) => span.service === serviceOf("inventory") && span.name === "orders.order.paid process")).toBe(true);
    }, { timeout: 15_000, interval: 200 });
    const trace = ofTrace();

    // The gateway's request span continues the caller's span and names the request id.
    const request = trace.find((span) => span.service === serviceOf("gateway") && span.kind === SPAN_KIND.server && span.name === "request") as ReceivedSpan;
    expect(request.parentSpanId).toBe(callerSpanId);
    expect(request.attributes["bazaar.request_id"]).toBe(requestId);

    // Broker calls on both sides: orders' placeOrder serves the gateway's call, and calls catalog and inventory.
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan | undefined) => (span?.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    const serving = (service: string, action: string) => trace.find((span) => span.service === service && span.kind === SPAN_KIND.server && span.name === action);
    const placeOrder = serving(serviceOf("orders"), "orders.placeOrder");
    expect(parentOf(placeOrder)).toMatchObject({ service: serviceOf("gateway"), kind: SPAN_KIND.client, name: "orders.placeOrder" });
    for (const [service, action] of [[serviceOf("catalog"), "catalog.getProducts"], [serviceOf("inventory"), "inventory.reserveStock"]] as const) {
      const served = serving(service, action);
      expect(parentOf(served), action).toMatchObject({ service: serviceOf("orders"), kind: SPAN_KIND.client });
      expect(parentOf(parentOf(served))?.spanId, action).toBe(placeOrder?.spanId);
    }

    // Each SQL statement is a span, under the call that ran it.
    const sql = trace.filter((span) => span.attributes["db.system.name"] === "postgresql" || span.attributes["db.system"] === "postgresql");
    expect(sql.some((span) => span.service === serviceOf("inventory") && parentOf(span)?.name === "inventory.reserveStock")).toBe(true);

    // The durable event: payments handles orders.order.placed in the producer's trace, linked to the span that staged it.
    const consumed = trace.find((span) => span.service === serviceOf("payments") && span.kind === SPAN_KIND.consumer && span.name === "orders.order.placed process") as ReceivedSpan;
    expect(consumed).toBeDefined();
    const producer = byId.get(consumed.links[0]?.spanId as string);
    expect(producer?.service).toBe(serviceOf("orders"));
    expect(consumed.parentSpanId).toBe(producer?.spanId);

    // The payment is charged in the order's trace, and its capture comes back to orders in it too.
    const charge = trace.find((span) => span.service === serviceOf("payments") && span.name === "payments.charge");
    expect(charge?.parentSpanId).toBe(consumed.spanId);
    const captured = trace.find((span) => span.service === serviceOf("orders") && span.name === "payments.payment.captured process") as ReceivedSpan;
    expect(byId.get(captured.links[0]?.spanId as string)?.service).toBe(serviceOf("payments"));

    // Log lines written inside the request's spans name the trace and the span.
    await vi.waitFor(() => {
      const traced = lines.filter((line) => line.trace_id === traceId);
      expect(traced.some((line) => line.process === gatewayProcess && line.msg === "request completed")).toBe(true);
      for (const line of traced) expect(byId.has(line.span_id as string), String(line.msg)).toBe(true);
    }, { timeout: 5_000 });
  });
});
