/**
 * OpenTelemetry spans for broker calls, on both sides: the caller's (CLIENT) travels to the callee
 * as a W3C `traceparent` in the call's meta, which the bus signs with the rest of the packet, and
 * the callee's (SERVER) continues that trace, over NATS or in one process alike. Installed only
 * when telemetry is on (create-broker.ts).
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { CallingOptions, Context, Middleware } from "moleculer";
import { describeError } from "../errors.ts";

const tracer = trace.getTracer("bazaar-broker");

type Call = (actionName: string, params?: unknown, opts?: CallingOptions) => Promise<unknown>;

/** Ends the span with the call's outcome: a module's own 4xx answer is not a failure of the call. */
async function traced<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { status, code } = describeError(error);
    span.setAttribute("bazaar.error.code", code);
    if (status >= 500) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    throw error;
  } finally {
    span.end();
  }
}

/** Readiness probes and the console's polls (the `$ops` service) call every few seconds: no trace wants those. */
const isUntraced = (action: string) => action.endsWith(".health") || action.startsWith("$ops.");

export function traceCalls(): Middleware {
  return {
    name: "TraceCalls",
    call(next: Call): Call {
      return (actionName, params, opts = {}) => {
        if (isUntraced(actionName)) return next(actionName, params, opts);
        const span = tracer.startSpan(actionName, { kind: SpanKind.CLIENT, attributes: { "rpc.system": "moleculer", "rpc.method": actionName } });
        const active = trace.setSpan(context.active(), span);
        const carrier: Record<string, string> = {};
        propagation.inject(active, carrier);
        return traced(span, () => context.with(active, () => next(actionName, params, { ...opts, meta: { ...opts.meta, ...carrier } })));
      };
    },
    localAction(next: (ctx: Context) => Promise<unknown>, action: { name: string }) {
      if (isUntraced(action.name)) return next;
      return (ctx: Context) => {
        const parent = propagation.extract(context.active(), ctx.meta as Record<string, unknown>);
        const span = tracer.startSpan(action.name, {
          kind: SpanKind.SERVER,
          attributes: { "rpc.system": "moleculer", "rpc.method": action.name, "bazaar.request_id": ctx.requestID ?? "", "bazaar.caller_node": ctx.nodeID ?? "" },
        }, parent);
        return traced(span, () => context.with(trace.setSpan(parent, span), () => next(ctx)));
      };
    },
    // Moleculer's typings say `call` answers a promise; it answers the wrapped call, as above.
  } as unknown as Middleware;
}
