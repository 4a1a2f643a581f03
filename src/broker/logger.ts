/**
 * Structured JSON logs (pino) for the whole process; the gateway, the broker and every module
 * log through children of this one logger. Secrets are redacted wherever they appear.
 */
import { pino, type Logger } from "pino";

const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  "*.password",
  "*.accessToken",
  "*.authToken",
  "*.paymentToken",
  "meta.authToken",
];

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...bindings }, redact: { paths: REDACT, censor: "[redacted]" } });
}
