/**
 * Prometheus metrics of this process, in one registry: served by the gateway at /metrics and, in a
 * process without the gateway, by the ops server (OPS_PORT). Broker calls, durable events and the
 * outbox are measured here; modules add their business counters with `counter()`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpDuration = new Histogram({
  name: "http_request_duration_seconds",
  help: "HTTP request latency, by route and status",
  labelNames: ["method", "route", "status_code"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** The upper bounds of the action latency buckets, in seconds. */
export const ACTION_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const actionDuration = new Histogram({
  name: "bazaar_action_duration_seconds",
  help: "Time modules spend in each action, by outcome (ok or the error code)",
  labelNames: ["action", "outcome"] as const,
  buckets: ACTION_BUCKETS_S,
  registers: [registry],
});

export const moduleCalls = new Counter({
  name: "bazaar_module_calls_total",
  help: "Calls one module made into another's contract: the module graph as it runs",
  labelNames: ["caller", "callee"] as const,
  registers: [registry],
});

export const eventsPublished = new Counter({
  name: "bazaar_events_published_total",
  help: "Durable events relayed from an outbox to the transport",
  labelNames: ["event"] as const,
  registers: [registry],
});

export const eventsHandled = new Counter({
  name: "bazaar_events_handled_total",
  help: "Durable events handled by a subscriber: handled, duplicate (absorbed by the inbox) or failed",
  labelNames: ["event", "consumer", "outcome"] as const,
  registers: [registry],
});

export const outboxLag = new Gauge({
  name: "bazaar_outbox_lag_seconds",
  help: "Age of the oldest event in the last batch a module's relay published",
  labelNames: ["module"] as const,
  registers: [registry],
});

export const outboxDead = new Counter({
  name: "bazaar_outbox_dead_letters_total",
  help: "Events a relay gave up on after its maximum attempts",
  labelNames: ["module", "event"] as const,
  registers: [registry],
});

/** A business counter, registered once per process however many times a module asks for it. */
export function counter(name: string, help: string, labelNames: string[] = []): Counter {
  const existing = registry.getSingleMetric(name);
  return (existing as Counter | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}
