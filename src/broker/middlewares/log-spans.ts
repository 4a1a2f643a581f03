/**
 * Traces as structured logs: with TRACING=1 every action call a request causes, in every process,
 * becomes a `span` log line whose traceId is the request's x-request-id (Moleculer's requestID), with
 * its parent span, duration and error. Collected logs of all processes then show one request's whole
 * path across modules.
 */
import moleculer from "moleculer";
import type { Logger } from "pino";

interface FinishedSpan {
  traceID: string;
  id: string;
  parentID?: string;
  name: string;
  duration: number;
  error?: { name?: string; type?: string } | null;
  service?: { name?: string };
}

export class LogSpanExporter extends moleculer.TracerExporters.Base {
  readonly #log: Logger;

  constructor(log: Logger) {
    super({});
    this.#log = log;
  }

  override spanFinished(finished: unknown): void {
    const span = finished as FinishedSpan;
    this.#log.info(
      {
        traceId: span.traceID,
        requestId: span.traceID,
        spanId: span.id,
        parentSpanId: span.parentID ?? null,
        span: span.name,
        module: span.service?.name,
        durationMs: Math.round(span.duration * 1000) / 1000,
        error: span.error ? (span.error.type ?? span.error.name) : undefined,
      },
      "span",
    );
  }
}
