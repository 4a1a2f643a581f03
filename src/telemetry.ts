/**
 * OpenTelemetry traces, with the official Node SDK, when the standard settings ask for them:
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_TRACES_EXPORTER) turns
 * them on, and the SDK reads every other OTEL_* setting itself (protocol, headers, OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER and its argument, OTEL_PROPAGATORS, OTEL_SDK_DISABLED). Without them nothing of
 * this is even loaded: the API bazaar calls elsewhere is then a no-op. `OTEL_TRACES_EXPORTER=memory`
 * sends them nowhere but keeps the last ones in the process, for the console (recent-spans.ts).
 *
 * Spans: each HTTP request (fastify's own plugin, which honours a caller's `traceparent`), each broker
 * call on both sides (middlewares/trace-calls.ts), each SQL statement (the pg instrumentation), and
 * each durable event from the outbox to every subscriber (events/trace-context.ts).
 */
import { createRequire } from "node:module";
import { FastifyOtelInstrumentation } from "@fastify/otel";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { startNodeSdk } from "@opentelemetry/sdk-node";
import { recentSpanProcessor } from "./broker/recent-spans.ts";

/** The gateway registers this as a fastify plugin: it starts the span of each request. */
export const fastifyTracing = new FastifyOtelInstrumentation({
  // Probes, scrapes and the console's own polls are not what anyone traces.
  ignorePaths: ({ url }) => url.startsWith("/health/") || url === "/metrics" || url.startsWith("/console"),
  // The request and its handler; a span per lifecycle hook cost more than the rest of the trace.
  instrumentHooks: false,
  requestHook: (span, request) => span.setAttribute("bazaar.request_id", String(request.id)),
});

let sdk: { shutdown(): Promise<void> } | undefined;

/** Starts the SDK; must run before pg is first loaded, so that its instrumentation sees it. */
export function startTelemetry(env: NodeJS.ProcessEnv): void {
  // Traces only: metrics are Prometheus' (/metrics) and logs go to stdout, unless asked otherwise.
  env.OTEL_METRICS_EXPORTER ??= "none";
  env.OTEL_LOGS_EXPORTER ??= "none";
  const modules = env.MODULES ?? "all";
  // `memory`, bazaar's own exporter name: no collector, the console shows the last traces instead.
  const inMemory = env.OTEL_TRACES_EXPORTER === "memory";
  // Without OTEL_SERVICE_NAME, one name per kind of process, so that a trace shows which did what.
  const ownName = modules === "none" ? "bazaar-gateway" : `bazaar-${modules.replaceAll(",", "+")}`;
  sdk = startNodeSdk({
    ...(inMemory ? { spanProcessors: [recentSpanProcessor(env.OTEL_SERVICE_NAME || ownName)] } : {}),
    resourceAttributes: env.OTEL_SERVICE_NAME ? {} : { "service.name": ownName },
    instrumentations: [new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }), fastifyTracing],
  });
  // pg is CommonJS, imported by ES modules: loading it once through require() lets the
  // instrumentation patch its client, which every later import then shares.
  createRequire(import.meta.url)("pg");
}

/** Sends what is still buffered; part of a graceful stop. */
export async function stopTelemetry(): Promise<void> {
  await sdk?.shutdown();
}
