/**
 * Place-order throughput in each topology: `npm run bench` (needs PostgreSQL and NATS like the
 * tests). Starts the topology as real processes, then keeps CONCURRENCY checkouts in flight for
 * DURATION_S seconds and prints orders/s and latency percentiles. Rate limiting is off.
 */
import { randomUUID } from "node:crypto";
import { ADMIN, startOneProcess, startSplit, type Topology } from "../test/support/topology.ts";

const DURATION_S = Number(process.env.DURATION_S ?? 15);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const topologies = (process.env.TOPOLOGIES ?? "one-process,split").split(",");

async function json(baseUrl: string, method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
}

async function measure(topology: Topology): Promise<void> {
  const { baseUrl } = topology;
  const admin = (await json(baseUrl, "POST", "/v1/auth/login", ADMIN)).body.accessToken;
  const product = (await json(baseUrl, "POST", "/v1/products", { sku: `B-${randomUUID().slice(0, 8)}`, name: "Bench", priceCents: 100, currency: "EUR" }, admin)).body;
  await json(baseUrl, "PUT", `/v1/inventory/${product.id}`, { available: 1_000_000_000 }, admin);
  const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
  await json(baseUrl, "POST", "/v1/auth/register", { email, password: "bench password", name: "Bench" });
  const token = (await json(baseUrl, "POST", "/v1/auth/login", { email, password: "bench password" })).body.accessToken;

  const latencies: number[] = [];
  let failures = 0;
  const deadline = Date.now() + DURATION_S * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        const answer = await json(baseUrl, "POST", "/v1/orders", { items: [{ productId: product.id, quantity: 1 }], paymentToken: "tok_visa" }, token);
        if (answer.status === 201) latencies.push(performance.now() - t0);
        else failures++;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0).toFixed(1);
  console.log(
    `${topology.name.padEnd(12)} ${(latencies.length / seconds).toFixed(1).padStart(7)} orders/s  ` +
      `p50 ${pct(50)} ms  p95 ${pct(95)} ms  p99 ${pct(99)} ms  (${latencies.length} placed, ${failures} failed, ${CONCURRENCY} in flight, ${seconds.toFixed(1)} s)`,
  );
}

for (const name of topologies) {
  const env = { RATE_LIMIT_MAX: "0", LOG_LEVEL: "error" };
  const topology = name === "split" ? await startSplit(env) : await startOneProcess(env);
  try {
    await measure(topology);
  } finally {
    await topology.stop();
  }
}
