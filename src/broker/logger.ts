/**
 * Structured JSON logs (pino) for the whole process; the gateway, the broker and every module
 * log through children of this one logger. Secrets are redacted wherever they appear.
 */
import { pino, type DestinationStream, type Logger } from "pino";

const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  "password",
  "*.password",
  "accessToken",
  "*.accessToken",
  "authToken",
  "*.authToken",
  "paymentToken",
  "*.paymentToken",
  "*.*.paymentToken",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACT, censor: "[redacted]" } }, destination);
}
