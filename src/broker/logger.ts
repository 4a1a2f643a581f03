/**
 * Structured JSON logs (pino) for the whole process; the gateway, the broker and every module
 * log through children of this one logger. Secrets are redacted wherever they appear. On a
 * terminal the same lines are written for people instead (time, level, module, message, fields).
 */
import { trace } from "@opentelemetry/api";
import { pino, type DestinationStream, type Logger } from "pino";

/** Keys of the transport whose values never reach a log, at any depth; modules add their own (a contract's `sensitive`). */
const TRANSPORT_SECRETS = ["authorization", "cookie", "authToken"];
const CENSOR = "[redacted]";
const MAX_DEPTH = 6;

/**
 * A copy of `value` with every sensitive key censored; objects without one are kept as they are.
 * One pass over the keys a line actually has (pino's path-based redaction cost a flat line 10 µs).
 * Only data is walked (plain objects, arrays, errors): class instances such as a request are
 * logged through serializers that pick their safe fields.
 */
function redact(value: unknown, depth: number, sensitive: ReadonlySet<string>): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !Array.isArray(value) && !(value instanceof Error)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = redact(value[i], depth + 1, sensitive);
      if (item !== value[i]) (copy ??= [...value])[i] = item;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const safe = sensitive.has(key) ? CENSOR : redact(item, depth + 1, sensitive);
    if (safe !== item) (copy ??= value instanceof Error ? Object.assign(Object.create(Object.getPrototypeOf(value)), value, { message: value.message, stack: value.stack }) : { ...value })[key] = safe;
  }
  return copy ?? value;
}

/** How long a line may wait in the buffer before it is written. */
const FLUSH_MS = 200;

/**
 * Lines gather in a 4 KiB buffer and leave in one write, at most FLUSH_MS after they were logged
 * (a write per line, to a pipe as in a container, cost about 50 µs of CPU each: more than a cached
 * product read). The buffer is written out when the process exits, however it exits.
 */
let stdout: DestinationStream | undefined;
function bufferedStdout(): DestinationStream {
  if (stdout) return stdout;
  const destination = pino.destination({ dest: 1, sync: true, minLength: 4096 });
  setInterval(() => destination.flush(), FLUSH_MS).unref();
  process.once("exit", () => destination.flushSync());
  return (stdout = destination);
}

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/** One JSON log line as a person reads it. */
export function humanLine(line: string): string {
  const { level, time, msg, pid: _pid, nodeID: _node, mod, module, component, err, ...fields } = JSON.parse(line) as Record<string, unknown>;
  const who = (module ?? component ?? mod) as string | undefined;
  const rest = Object.entries(fields).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  const stack = (err as { stack?: string } | undefined)?.stack;
  return `${new Date(time as number).toISOString().slice(11, 23)} ${(LEVELS[level as number] ?? String(level)).padEnd(5)} ${who ? `[${who}] ` : ""}${String(msg ?? "")}${rest.length > 0 ? `  ${rest.join(" ")}` : ""}${stack ? `\n${stack}` : ""}\n`;
}

/** A terminal shows lines as they come, and for people; volume is no concern there. */
const humanStdout: DestinationStream = { write: (line: string) => void process.stdout.write(humanLine(line)) };

/** A line logged inside a traced span names it, so logs and traces of one request find each other. */
function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export interface LoggerOptions {
  /** Field names to redact besides the transport's own: the process passes its modules' (contracts' `sensitive`). */
  sensitive?: readonly string[];
  destination?: DestinationStream;
}

export function createLogger(level: string, { sensitive = [], destination = process.stdout.isTTY ? humanStdout : bufferedStdout() }: LoggerOptions = {}): Logger {
  const keys = new Set([...TRANSPORT_SECRETS, ...sensitive]);
  return pino({ level, base: { pid: process.pid }, mixin: traceIds, formatters: { log: (object) => redact(object, 0, keys) as Record<string, unknown> } }, destination);
}
