/**
 * The HTTP gateway: fastify with the cross-cutting plugins, then each module's routes. It holds no
 * business logic; every route is one typed call through the broker.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { AuthKeys } from "../broker/auth.ts";
import type { Broker } from "../broker/create-broker.ts";
import type { EventObserver } from "../broker/events/transport.ts";
import { ReadCache } from "../broker/read-cache.ts";
import { consolePlugin } from "./console/console.ts";
import type { ConsoleSources } from "./console/system-view.ts";
import { accessLogPlugin } from "./plugins/access-log.ts";
import { docsPlugin } from "./plugins/docs.ts";
import { errorsPlugin } from "./plugins/errors.ts";
import { healthRoutes } from "./plugins/health.ts";
import { metricsPlugin } from "./plugins/metrics.ts";
import { notFoundPlugin } from "./plugins/not-found.ts";
import { rateLimitPlugin } from "./plugins/rate-limit.ts";
import { requestContextPlugin, requestIdOf } from "./plugins/request-context.ts";
import { securityHeadersPlugin } from "./plugins/security-headers.ts";
import { jsonBodyPlugin } from "./plugins/json-body.ts";
import { validationPlugin } from "./plugins/validation.ts";
import { sendProblem } from "./problem.ts";
import { routeSets } from "./routes/index.ts";

const ONE_MIB = 1024 * 1024;

export interface GatewayOptions {
  /** The bus's events, for the read cache (needed with CACHE_TTL_S). */
  events?: EventObserver;
  /** What the console needs beyond the broker; required when config.console says to serve it. */
  console?: { auth: AuthKeys; stream?: ConsoleSources["stream"] };
}

export async function buildGateway(broker: Broker, config: Config, logger: Logger, options: GatewayOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger.child({ component: "gateway" }) as FastifyBaseLogger,
    genReqId: requestIdOf,
    // The access log writes one line per request instead (plugins/access-log.ts).
    logController: new LogController({ requestIdLogLabel: "requestId", disableRequestLogging: true }),
    bodyLimit: ONE_MIB,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 10_000,
    http: { maxHeaderSize: 16 * 1024 },
    // Requests Node itself refuses before fastify sees them (oversized headers, garbage bytes).
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = (error as { code?: string }).code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      const body = JSON.stringify({
        type: `urn:bazaar:problem:${status === 431 ? "headers_too_large" : "validation_failed"}`,
        title: status === 431 ? "Request Header Fields Too Large" : "Bad Request",
        status,
        detail: status === 431 ? "The request headers are too large." : "The request is malformed.",
        code: status === 431 ? "headers_too_large" : "validation_failed",
      });
      socket.end(`HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    },
    return503OnClosing: true,
    // Only the configured proxies may say who the client is; anyone else's X-Forwarded-For is ignored.
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors the router raises before any plugin runs (bad URL encoding, over-long parameters).
    frameworkErrors: (error, request, reply) => {
      reply.header("x-request-id", request.id);
      // A path parameter too long for the router is longer than any id: a malformed one (400).
      const field = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? { path: "/params", message: "is longer than any valid id" } : { path: "", message: "malformed URL" };
      return sendProblem(reply, { status: 400, code: "validation_failed", detail: "The request URL is malformed.", errors: [field] });
    },
  });
  app.decorate("broker", broker);
  app.decorate("readCache", await readCacheFor(config, options.events));
  // Only JSON bodies are accepted; anything else is 415.
  app.removeContentTypeParser("text/plain");

  // First, so that every later hook and handler runs inside the request's span.
  if (config.telemetry) await app.register((await import("../telemetry.ts")).fastifyTracing.plugin());
  await app.register(accessLogPlugin);
  await app.register(errorsPlugin);
  await app.register(notFoundPlugin);
  await app.register(validationPlugin);
  await app.register(jsonBodyPlugin);
  await app.register(requestContextPlugin);
  await app.register(securityHeadersPlugin, { corsOrigins: config.corsOrigins, behindTls: config.behindTls });
  await app.register(rateLimitPlugin, {
    max: config.rateLimit.max,
    windowS: config.rateLimit.windowS,
    routes: { "POST /v1/auth/register": { max: config.rateLimit.registrationsPerHour, windowS: 3600 } },
  });
  await app.register(metricsPlugin, { public: config.opsPort === undefined });
  await app.register(docsPlugin, { actions: routeSets.flatMap((set) => Object.values(set.contract.actions)) });
  await app.register(healthRoutes, { modules: routeSets.map((set) => set.module) });
  for (const set of routeSets) await app.register(set.routes);
  if (config.console) {
    if (!options.console) throw new Error("a gateway with CONSOLE on needs the console's auth keys");
    await app.register(consolePlugin, { broker, modules: routeSets.map((set) => set.module), ...options.console });
  }
  return app;
}

/** The gateway's copies of cacheable reads, evicted by the events it observes; none without CACHE_TTL_S. */
async function readCacheFor(config: Config, events: EventObserver | undefined): Promise<ReadCache | undefined> {
  if (config.cache.ttlS === 0) return undefined;
  if (!events) throw new Error("a gateway with CACHE_TTL_S needs to observe the bus's events");
  const cache = new ReadCache(routeSets.flatMap((set) => Object.values(set.contract.actions)), config.cache);
  events.onGap(() => cache.clear());
  await events.observe(cache.events, (envelope) => cache.evict(envelope.name, envelope.payload));
  return cache;
}
