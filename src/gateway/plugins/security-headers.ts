/**
 * Browser-facing hardening: helmet's security headers on every answer, and CORS only for the
 * origins configured in CORS_ORIGINS; without it no cross-origin browser call is allowed.
 * The docs page sets its own content security policy for its scripts (see docs.ts). HSTS only
 * when BEHIND_TLS says clients come over HTTPS: over plain HTTP browsers ignore it, and it would
 * claim a TLS deployment that does not exist.
 *
 * Helmet's headers depend on its settings only, never on the request, so helmet runs once, at
 * start-up, and every answer gets the headers it set (running its dozen middlewares per request
 * cost more than the rest of a cached product read).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import helmet from "helmet";

/** The headers helmet sets with our settings. */
export function helmetHeaders(behindTls: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: "same-site" }, strictTransportSecurity: behindTls })({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

export const securityHeadersPlugin = fp(async (app: FastifyInstance, options: { corsOrigins: string[]; behindTls: boolean }) => {
  const headers = helmetHeaders(options.behindTls);
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  if (options.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: options.corsOrigins,
      methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowedHeaders: ["authorization", "content-type", "idempotency-key", "x-request-id"],
      exposedHeaders: ["x-request-id", "retry-after"],
      maxAge: 600,
    });
  }
});
