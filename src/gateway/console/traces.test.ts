import { describe, expect, it } from "vitest";
import type { RecentSpan } from "../../broker/recent-spans.ts";
import { assembleTraces } from "./traces.ts";

const span = (traceId: string, spanId: string, service: string, startMs: number, durationMs: number, parentSpanId?: string, error = false): RecentSpan =>
  ({ traceId, spanId, parentSpanId, name: `${service}-${spanId}`, service, startMs, durationMs, error });

describe("assembleTraces", () => {
  it("joins the parts of a trace that several processes kept, once each, newest trace first", () => {
    const gateway = [span("t1", "a", "gateway", 100, 50), span("t2", "x", "gateway", 300, 5)];
    const orders = [span("t1", "b", "orders", 110, 30, "a"), span("t1", "c", "orders", 120, 45, "b", true)];
    // One process answered twice (two nodes of the same module, or a retried ask): still one span.
    const traces = assembleTraces([...orders, ...gateway, ...orders], 10);
    expect(traces.map((t) => t.traceId)).toEqual(["t2", "t1"]);
    const [, t1] = traces;
    expect(t1).toMatchObject({ name: "gateway-a", startMs: 100, durationMs: 65, services: ["gateway", "orders"], error: true });
    expect(t1?.spans.map((s) => s.spanId)).toEqual(["a", "b", "c"]);
  });

  it("names a trace after its earliest span whose parent was not kept, and keeps only the newest `limit`", () => {
    const traces = assembleTraces([span("t1", "b", "orders", 110, 30, "gone"), span("t2", "y", "orders", 200, 1), span("t3", "z", "orders", 300, 1)], 2);
    expect(traces.map((t) => t.traceId)).toEqual(["t3", "t2"]);
    expect(assembleTraces([span("t1", "b", "orders", 110, 30, "gone")], 5)[0]?.name).toBe("orders-b");
  });
});
