/**
 * The spans this process finished last, kept in memory for the console when traces have no OTLP
 * collector to go to (`OTEL_TRACES_EXPORTER=memory`, set up in telemetry.ts). A ring of fixed
 * size: keeping spans costs a small object each and never grows the heap beyond it.
 */
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace";

/** One finished span, as the console draws it. */
export interface RecentSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** The process kind that made it (OpenTelemetry's `service.name`). */
  service: string;
  startMs: number;
  durationMs: number;
  error: boolean;
}

const CAPACITY = 4_000;
const ERROR = 2;
const ring: RecentSpan[] = [];
let next = 0;
let keeping = false;

const ms = ([seconds, nanos]: [number, number]) => seconds * 1_000 + nanos / 1e6;

/** A request's span says which request: fastify's plugin names them all `request`. */
function nameOf(span: ReadableSpan): string {
  const method = span.attributes["http.request.method"];
  const route = span.attributes["http.route"] ?? span.attributes["url.path"];
  return method && route ? `${String(method)} ${String(route)}` : span.name;
}

/** Whether this process keeps its spans here (otherwise they go to a collector, or tracing is off). */
export function keepingSpans(): boolean {
  return keeping;
}

/** The span processor that fills the ring; `service` is this process's `service.name`. */
export function recentSpanProcessor(service: string): SpanProcessor {
  keeping = true;
  return {
    onStart: () => undefined,
    onEnd(span: ReadableSpan) {
      const context = span.spanContext();
      const kept: RecentSpan = {
        traceId: context.traceId,
        spanId: context.spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        name: nameOf(span),
        service,
        startMs: ms(span.startTime),
        durationMs: ms(span.duration),
        error: span.status.code === ERROR,
      };
      if (ring.length < CAPACITY) ring.push(kept);
      else ring[next] = kept;
      next = (next + 1) % CAPACITY;
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/** The spans of the `traces` most recently started traces this process took part in, oldest first. */
export function recentSpans(traces: number): RecentSpan[] {
  const ordered = ring.length < CAPACITY ? ring : [...ring.slice(next), ...ring.slice(0, next)];
  const wanted = new Set<string>();
  for (let i = ordered.length - 1; i >= 0 && wanted.size < traces; i--) wanted.add((ordered[i] as RecentSpan).traceId);
  return ordered.filter((span) => wanted.has(span.traceId));
}
