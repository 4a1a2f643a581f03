/**
 * The measurements themselves: a load run against a server with its CPU time, checkout through to
 * `paid` with the stock invariant checked, the idle database, and the cache's invalidation delay.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { LoadPlan, LoadResult } from "./load.ts";
import { pinned, queryOnce, rssMb, servicePids, totalCpuMs, totalSyscalls, transactions } from "./probe.ts";
import { adminToken, api } from "./seed.ts";
import type { Server } from "./servers.ts";

export interface Settings {
  connections: number;
  warmupS: number;
  durationS: number;
  loadCpus: string | undefined;
  workDir: string;
  /** The database the servers use, if the bench can reach it (to wait for autovacuum before measuring). */
  databaseUrl?: string;
}

export interface Measured {
  server: string;
  result: LoadResult;
  /** Node CPU time of the server's processes per request, in µs. */
  cpuUsPerRequest: number;
  /** CPU time of PostgreSQL and NATS per request, in µs (the servers' core spends it too). */
  serviceCpuUsPerRequest: number;
  /** Read and write system calls of the server's processes per request. */
  syscallsPerRequest: number;
  rssMb: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Leaves the database nothing to do on the servers' core during a measurement: no autovacuum at
 * work, and the writes of the previous scenario checkpointed (else the checkpointer flushes them
 * in the middle of the next one, and its CPU counts against whatever runs then).
 */
export async function quiesce(databaseUrl: string | undefined): Promise<void> {
  if (!databaseUrl) return;
  for (let i = 0; i < 120; i++) {
    const [row] = await queryOnce<{ n: number }>(databaseUrl, "select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'");
    if (!row?.n) break;
    await sleep(500);
  }
  await queryOnce(databaseUrl, "checkpoint");
}

/** Drives the server with bench/load.ts on the load core; CPU is counted over the measured run only. */
export async function measureLoad(server: Server, plan: Omit<LoadPlan, "baseUrl" | "connections" | "warmupS" | "durationS">, settings: Settings): Promise<Measured> {
  await quiesce(settings.databaseUrl);
  const full: LoadPlan = { baseUrl: server.baseUrl, connections: settings.connections, warmupS: settings.warmupS, durationS: settings.durationS, ...plan };
  const [command, args] = pinned(settings.loadCpus, process.execPath, [path.join(import.meta.dirname, "load.ts"), JSON.stringify(full)]);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
  let cpuBefore = 0;
  let cpuAfter = 0;
  let services: number[] = [];
  let servicesBefore = 0;
  let servicesAfter = 0;
  let syscallsBefore = 0;
  let syscallsAfter = 0;
  let result: LoadResult | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === "measuring") {
      // After the warm-up, so the connection pools (and their database backends) are all there.
      services = servicePids();
      servicesBefore = totalCpuMs(services);
      cpuBefore = totalCpuMs(server.pids);
      syscallsBefore = totalSyscalls(server.pids);
    } else if (line.startsWith("{")) {
      cpuAfter = totalCpuMs(server.pids);
      syscallsAfter = totalSyscalls(server.pids);
      servicesAfter = totalCpuMs(services);
      result = JSON.parse(line) as LoadResult;
    }
  }
  if (!result) throw new Error(`the load generator gave no result against ${server.name}`);
  return {
    server: server.name,
    result,
    cpuUsPerRequest: result.requests > 0 ? ((cpuAfter - cpuBefore) * 1000) / result.requests : 0,
    serviceCpuUsPerRequest: result.requests > 0 ? ((servicesAfter - servicesBefore) * 1000) / result.requests : 0,
    syscallsPerRequest: result.requests > 0 ? (syscallsAfter - syscallsBefore) / result.requests : 0,
    rssMb: server.pids.map(rssMb),
  };
}

export interface CheckoutMeasured extends Measured {
  ordersPerS: number;
  /** From the 201 to the order's `paid` (its updatedAt), in ms. */
  paidP50: number;
  paidP99: number;
  /** Orders answered 201 that were not paid when the bench stopped waiting. */
  unpaid: number;
  /** The stock invariant after the run: nothing oversold, nothing lost, nothing left held. */
  invariant: { ok: boolean; detail: string };
  /** Seconds from the end of the load until the last order was paid. */
  settleS: number;
}

interface Placed {
  id: string;
  userId: string;
  at: number;
  phase: string;
}

const STOCK = 1_000_000_000;

export async function measureCheckout(server: Server, tokens: string[], settings: Settings, stockedProduct: (units: number) => Promise<string>): Promise<CheckoutMeasured> {
  const productId = await stockedProduct(STOCK);
  const placedFile = path.join(settings.workDir, `placed-${Date.now()}.txt`);
  const measured = await measureLoad(server, { kind: "checkout", tokens, productId, placedFile }, settings);
  const loadEnded = Date.now();
  const placed: Placed[] = readFileSync(placedFile, "utf8").split("\n").filter(Boolean).map((line) => {
    const [id = "", userId = "", at = "0", phase = ""] = line.split(" ");
    return { id, userId, at: Number(at), phase };
  });
  const admin = await adminToken(server.baseUrl);
  const stockOf = async () => (await api(server.baseUrl, "GET", `/v1/inventory/${productId}`, undefined, admin)).body as { available: number; reserved: number; sold: number };
  // Requests still in flight when the load stopped were placed too, unseen: settle counts what the server holds.
  const { orders, stock } = await settle(server.baseUrl, tokens, productId, stockOf);
  const paidAt = new Map([...orders].filter(([, order]) => order.status === "paid").map(([id, order]) => [id, Date.parse(order.updatedAt)]));
  const settleS = (Math.max(loadEnded, ...paidAt.values()) - loadEnded) / 1000;
  const delays = placed.filter((order) => order.phase === "measured" && paidAt.has(order.id)).map((order) => Math.max(0, (paidAt.get(order.id) as number) - order.at));
  delays.sort((a, b) => a - b);
  const unpaid = placed.filter((order) => !paidAt.has(order.id)).length;
  const ok = stock.available + stock.reserved + stock.sold === STOCK && stock.sold === paidAt.size && stock.reserved === 0 && unpaid === 0 && paidAt.size === orders.size;
  return {
    ...measured,
    ordersPerS: placed.filter((order) => order.phase === "measured").length / measured.result.seconds,
    paidP50: percentile(delays, 50),
    paidP99: percentile(delays, 99),
    unpaid,
    invariant: { ok, detail: `${orders.size} orders (${placed.length} answered before the load stopped), ${paidAt.size} paid; stock available ${stock.available} + reserved ${stock.reserved} + sold ${stock.sold}` },
    settleS,
  };
}

interface OrderState {
  status: string;
  updatedAt: string;
}

/**
 * Waits until nothing of the product is held any more and no order of it awaits payment; returns
 * every customer's orders of the product (by id) and the stock then.
 */
async function settle(baseUrl: string, tokens: string[], productId: string, stockOf: () => Promise<{ available: number; reserved: number; sold: number }>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const orders = new Map<string, OrderState>();
    for (const token of tokens) {
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { items: { id: string; status: string; updatedAt: string; items: { productId: string }[] }[]; nextCursor: string | null } } =
          await api(baseUrl, "GET", `/v1/orders?limit=100${cursor ? `&cursor=${cursor}` : ""}`, undefined, token);
        if (page.status !== 200) throw new Error(`listing a customer's orders: ${page.status} ${JSON.stringify(page.body)}`);
        for (const order of page.body.items) if (order.items[0]?.productId === productId) orders.set(order.id, order);
        cursor = page.body.nextCursor;
      } while (cursor);
    }
    const stock = await stockOf();
    const settled = stock.reserved === 0 && [...orders.values()].every((order) => order.status !== "awaiting_payment");
    if (settled || Date.now() > deadline) return { orders, stock };
    await sleep(250);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export interface IdleMeasured {
  server: string;
  modules: number;
  statementsPerS: number;
}

/**
 * Transactions per second the database receives with no traffic. PostgreSQL flushes a backend's
 * statistics up to 10 s after its last transaction, so the window opens after that much quiet.
 */
export async function measureIdle(server: Server, databaseUrl: string, modules: number, windowS = 10): Promise<IdleMeasured> {
  await quiesce(databaseUrl);
  await sleep(11_000);
  const before = await transactions(databaseUrl);
  await sleep(windowS * 1000);
  const after = await transactions(databaseUrl);
  // The first reading is itself one transaction, counted inside the window.
  return { server: server.name, modules, statementsPerS: Math.max(0, after - before - 1) / windowS };
}

export interface InvalidationMeasured {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * How long another node serves a product from its cache after a change: change the price through
 * the writer, then ask the reader every millisecond until it answers the new price.
 */
export async function measureInvalidation(writer: Server, reader: Server, productIds: string[], samples = 100): Promise<InvalidationMeasured> {
  const token = await adminToken(writer.baseUrl);
  const delays: number[] = [];
  for (let i = 0; i < samples; i++) {
    const id = productIds[i % productIds.length] as string;
    await api(reader.baseUrl, "GET", `/v1/products/${id}`);
    const price = 50_000 + i;
    const changed = await api(writer.baseUrl, "PATCH", `/v1/products/${id}`, { priceCents: price }, token);
    if (changed.status !== 200) throw new Error(`PATCH answered ${changed.status}`);
    const t0 = performance.now();
    while ((await api(reader.baseUrl, "GET", `/v1/products/${id}`)).body.priceCents !== price) {
      if (performance.now() - t0 > 30_000) throw new Error("the reader never saw the change");
      await sleep(1);
    }
    delays.push(performance.now() - t0);
  }
  delays.sort((a, b) => a - b);
  return { samples, p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) ?? 0 };
}
