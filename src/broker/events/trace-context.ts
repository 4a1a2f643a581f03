/**
 * A durable event carries the trace of the change that staged it: the producer's W3C `traceparent`
 * is stored with the outbox row and travels in the envelope (and in JetStream's headers); each
 * subscriber handles the event in a span of that trace, linked to the producer's span. Without
 * OpenTelemetry running, the API answers nothing and this costs next to nothing.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";

const tracer = trace.getTracer("bazaar-events");

/** The active span's `traceparent`, to store with an event staged now; undefined outside any trace. */
export function currentTraceParent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context of the trace `traceParent` names; the active one when it names none. */
const within = (traceParent: string | null | undefined) => (traceParent ? propagation.extract(context.active(), { traceparent: traceParent }) : context.active());

/** Runs `work` as `span`, a child of `parent`, and ends the span with its outcome. */
async function runAs<T>(span: Span, parent: Context, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** Runs a subscriber's effect for one event in a consumer span of the producer's trace. */
export function handledWithin<T>(event: { name: string; id: string; traceParent?: string | undefined }, consumer: string, work: () => Promise<T>): Promise<T> {
  return handledTogether([event], consumer, () => work());
}

/**
 * Runs one effect for several events, each in a consumer span of its own producer's trace; `work`
 * gets each span's `traceparent` (for what carries that event's trace on) and runs in the first.
 */
export async function handledTogether<T>(events: { name: string; id: string; traceParent?: string | undefined }[], consumer: string, work: (traceParents: (string | undefined)[]) => Promise<T>): Promise<T> {
  const started = events.map((event) => {
    const producer = within(event.traceParent);
    const producerSpan = trace.getSpanContext(producer);
    const span = tracer.startSpan(`${event.name} process`, {
      kind: SpanKind.CONSUMER,
      links: producerSpan ? [{ context: producerSpan }] : [],
      attributes: { "messaging.system": "bazaar", "messaging.operation.type": "process", "messaging.destination.name": event.name, "messaging.message.id": event.id, "messaging.consumer.group.name": consumer, "messaging.batch.message_count": events.length },
    }, producer);
    return { span, context: trace.setSpan(producer, span) };
  });
  const traceParents = started.map(({ context: active }) => {
    const carrier: Record<string, string> = {};
    propagation.inject(active, carrier);
    return carrier.traceparent;
  });
  try {
    return await context.with((started[0] as { context: Context }).context, () => work(traceParents));
  } catch (error) {
    for (const { span } of started) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    throw error;
  } finally {
    for (const { span } of started) span.end();
  }
}

/**
 * Runs background work that carries on a traced change (a payment charged after its order was
 * placed) as a span of that change's trace; events it stages then stay in the trace too.
 */
export function continuingTrace<T>(traceParent: string | null | undefined, name: string, work: () => Promise<T>): Promise<T> {
  const parent = within(traceParent);
  return runAs(tracer.startSpan(name, { kind: SpanKind.INTERNAL }, parent), parent, work);
}

/** Runs `work` (e.g. staging an event) as part of the trace `traceParent` names. */
export function inTrace<T>(traceParent: string | null | undefined, work: () => T): T {
  return context.with(within(traceParent), work);
}
