/**
 * The recent traces, put together from the spans each process kept: one process holds only its
 * own part of a trace that crossed the bus.
 */
import type { RecentSpan } from "../../broker/recent-spans.ts";

export interface Trace {
  traceId: string;
  /** The root span's name (the request, or the background work that started it). */
  name: string;
  startMs: number;
  durationMs: number;
  services: string[];
  error: boolean;
  /** By start time; each one's parent, when kept, comes before it. */
  spans: RecentSpan[];
}

/** The `limit` most recently started traces among the spans, newest first. */
export function assembleTraces(spans: RecentSpan[], limit: number): Trace[] {
  const byTrace = new Map<string, Map<string, RecentSpan>>();
  for (const span of spans) {
    const trace = byTrace.get(span.traceId) ?? new Map<string, RecentSpan>();
    trace.set(span.spanId, span);
    byTrace.set(span.traceId, trace);
  }
  const traces: Trace[] = [];
  for (const [traceId, members] of byTrace) {
    const ordered = [...members.values()].sort((a, b) => a.startMs - b.startMs);
    const startMs = (ordered[0] as RecentSpan).startMs;
    const endMs = Math.max(...ordered.map((span) => span.startMs + span.durationMs));
    const root = ordered.find((span) => !span.parentSpanId || !members.has(span.parentSpanId)) as RecentSpan;
    traces.push({
      traceId,
      name: root.name,
      startMs,
      durationMs: endMs - startMs,
      services: [...new Set(ordered.map((span) => span.service))],
      error: ordered.some((span) => span.error),
      spans: ordered,
    });
  }
  return traces.sort((a, b) => b.startMs - a.startMs).slice(0, limit);
}
