import { describe, expect, it } from "vitest";
import type { NodeStatus } from "../../broker/ops-service.ts";
import { cpuShare, moduleRates, SampleHistory, WINDOW_MS } from "./rates.ts";

const BUCKETS = [0.001, 0.01, 0.1, 1];

function status(nodeId: string, uptimeS: number, cpuUs: number, actions: NodeStatus["actions"], modules = ["catalog"]): NodeStatus {
  return {
    nodeId, hostname: "h", pid: 1, uptimeS, rssBytes: 0, gateway: false, cpuUs, bucketsS: BUCKETS, actions, calls: [], keepsSpans: false,
    modules: modules.map((name) => ({ name, subscribes: [], outbox: { pending: 0, oldestPendingAt: null, dead: 0, deadLetters: [] }, retries: { waiting: 0, dead: 0, deadLetters: [] } })),
  };
}

describe("console rates", () => {
  it("turns two totals into calls per second, the share of 5xx and a p99 bound, summed over a module's nodes", () => {
    const history = new SampleHistory();
    history.add({ atMs: 0, status: status("a", 10, 0, [{ action: "catalog.getProduct", count: 100, failures: 0, buckets: [0, 100, 100, 100] }]) });
    history.add({ atMs: 0, status: status("b", 10, 0, []) });
    // In 10 s: node a served 200 more (2 failed, 1 slower than 100 ms), node b 100 (none under 1 ms).
    history.add({ atMs: 10_000, status: status("a", 20, 5_000_000, [{ action: "catalog.getProduct", count: 300, failures: 2, buckets: [50, 297, 299, 300] }]) });
    history.add({ atMs: 10_000, status: status("b", 20, 0, [{ action: "catalog.listProducts", count: 100, failures: 0, buckets: [0, 100, 100, 100] }]) });
    const rates = moduleRates("catalog", history.windows());
    expect(rates?.requestsPerS).toBeCloseTo(30);
    expect(rates?.failureRate).toBeCloseTo(2 / 300);
    // 297 of 300 took ≤ 10 ms: 99 % of them.
    expect(rates?.p99Ms).toBe(10);
    expect(cpuShare(history.windows(), "a")).toBeCloseTo(0.5);
    // Other modules' actions never count.
    expect(moduleRates("orders", history.windows())).toBeNull();
  });

  it("has no rate before a second sample, none from a node that restarted, and forgets old samples and gone nodes", () => {
    const history = new SampleHistory();
    history.add({ atMs: 0, status: status("a", 100, 0, []) });
    expect(moduleRates("catalog", history.windows())).toBeNull();
    history.add({ atMs: 1_000, status: status("a", 1, 0, []) });
    expect(history.windows()).toEqual([]);
    for (let t = 2_000; t <= 2 * WINDOW_MS; t += 1_000) history.add({ atMs: t, status: status("a", t / 1000, 0, []) });
    const [window] = history.windows();
    const [first, last] = window ?? [];
    if (!first || !last) throw new Error("no window");
    expect(last.atMs - first.atMs).toBeLessThanOrEqual(WINDOW_MS);
    expect(last.atMs - first.atMs).toBeGreaterThanOrEqual(WINDOW_MS - 1_000);
    history.keepOnly(new Set());
    expect(history.windows()).toEqual([]);
  });

  it("gives no p99 bound when calls ran beyond the last bucket, and a zero failure rate without calls", () => {
    const history = new SampleHistory();
    history.add({ atMs: 0, status: status("a", 1, 0, [{ action: "catalog.x", count: 0, failures: 0, buckets: [0, 0, 0, 0] }]) });
    history.add({ atMs: 1_000, status: status("a", 2, 0, [{ action: "catalog.x", count: 10, failures: 0, buckets: [0, 0, 0, 5] }]) });
    expect(moduleRates("catalog", history.windows())).toEqual({ requestsPerS: 10, failureRate: 0, p99Ms: null });
    const idle = new SampleHistory();
    idle.add({ atMs: 0, status: status("a", 1, 0, []) });
    idle.add({ atMs: 1_000, status: status("a", 2, 0, []) });
    expect(moduleRates("catalog", idle.windows())).toEqual({ requestsPerS: 0, failureRate: 0, p99Ms: null });
  });
});
