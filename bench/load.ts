/**
 * The load generator, run by `bench/run.ts` as a process of its own (pinned to its own core): a
 * warm-up, then the measured run, with autocannon. Prints `measuring` when the measured run starts
 * and its figures as one JSON line when it ends.
 *
 *   node bench/load.ts '<LoadPlan as JSON>'
 */
import { readFileSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";

export type LoadKind = "byId" | "search" | "checkout";

export interface LoadPlan {
  baseUrl: string;
  kind: LoadKind;
  connections: number;
  warmupS: number;
  durationS: number;
  /** byId: a file with one product id per line. */
  idsFile?: string;
  /** search: the words asked for, one per request in turn. */
  words?: string[];
  /** checkout: the customers' access tokens, used in turn, and the product they buy. */
  tokens?: string[];
  productId?: string;
  /** checkout: where to write `<orderId> <userId> <epoch ms of the 201> <phase>` per placed order. */
  placedFile?: string;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
}

const plan = JSON.parse(process.argv[2] ?? "{}") as LoadPlan;
const placed: string[] = [];

function requestFor(phase: string): autocannon.Request {
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)] as T;
  if (plan.kind === "byId") {
    const ids = readFileSync(plan.idsFile as string, "utf8").split("\n").filter(Boolean);
    return { method: "GET", setupRequest: (request) => ({ ...request, path: `/v1/products/${pick(ids)}` }) };
  }
  if (plan.kind === "search") {
    const words = plan.words as string[];
    let next = 0;
    return { method: "GET", setupRequest: (request) => ({ ...request, path: `/v1/products?q=${encodeURIComponent(words[next++ % words.length] as string)}&limit=20` }) };
  }
  const tokens = plan.tokens as string[];
  const body = JSON.stringify({ items: [{ productId: plan.productId, quantity: 1 }], paymentToken: "tok_visa" });
  let next = 0;
  return {
    method: "POST",
    path: "/v1/orders",
    setupRequest: (request) => ({
      ...request,
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens[next++ % tokens.length]}` },
      body,
    }),
    onResponse: (status, responseBody) => {
      if (status !== 201) return;
      const order = JSON.parse(responseBody) as { id: string; userId: string };
      placed.push(`${order.id} ${order.userId} ${Date.now()} ${phase}`);
    },
  };
}

function run(seconds: number, phase: string): Promise<autocannon.Result> {
  return autocannon({ url: plan.baseUrl, connections: plan.connections, duration: seconds, requests: [requestFor(phase)] });
}

if (plan.warmupS > 0) await run(plan.warmupS, "warmup");
console.log("measuring");
const result = await run(plan.durationS, "measured");
if (plan.placedFile) writeFileSync(plan.placedFile, placed.join("\n"));
const statuses: Record<string, number> = {};
for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (count as { count: number }).count;
const summary: LoadResult = {
  requests: result.requests.total,
  rps: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  errors: result.errors + result.timeouts + result.non2xx,
  statuses,
  seconds: result.duration,
};
console.log(JSON.stringify(summary));
