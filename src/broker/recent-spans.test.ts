import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { expect, it } from "vitest";
import { keepingSpans, recentSpanProcessor, recentSpans } from "./recent-spans.ts";

const finished = (traceId: string, spanId: string, attributes: Record<string, string> = {}) =>
  ({
    name: "request",
    spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
    parentSpanContext: undefined,
    startTime: [1, 500_000],
    duration: [0, 2_500_000],
    status: { code: 0 },
    attributes,
  }) as unknown as ReadableSpan;

it("keeps the last spans in a ring of fixed size and answers those of the newest traces", () => {
  expect(keepingSpans()).toBe(false);
  const processor = recentSpanProcessor("bazaar-all");
  expect(keepingSpans()).toBe(true);
  processor.onEnd(finished("first", "s0", { "http.request.method": "GET", "http.route": "/v1/products/:id" }));
  expect(recentSpans(1)).toEqual([{ traceId: "first", spanId: "s0", parentSpanId: undefined, name: "GET /v1/products/:id", service: "bazaar-all", startMs: 1000.5, durationMs: 2.5, error: false }]);
  // 4,000 spans later the first is gone; the newest traces are the last ones ended.
  for (let i = 1; i <= 4_000; i++) processor.onEnd(finished(`t${Math.ceil(i / 2)}`, `s${i}`));
  expect(recentSpans(1_000_000).some((span) => span.traceId === "first")).toBe(false);
  expect(recentSpans(1_000_000)).toHaveLength(4_000);
  expect(recentSpans(2).map((span) => span.spanId)).toEqual(["s3997", "s3998", "s3999", "s4000"]);
});
