/**
 * Request latency by route for Prometheus, and GET /metrics with everything this process measures;
 * not on the public port when an ops port serves the metrics (ops-server.ts).
 */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { httpDuration, registry } from "../../broker/metrics.ts";

export const metricsPlugin = fp(async (app: FastifyInstance, options: { public: boolean }) => {
  app.addHook("onResponse", (request, reply, done) => {
    // The route pattern, not the URL: ids in paths would make a series per order.
    const route = request.routeOptions.url ?? "unmatched";
    httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  if (!options.public) return;
  app.get("/metrics", { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
});
