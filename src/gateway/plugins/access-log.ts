/**
 * One line per request, when its answer has gone: method, URL, status and time, under the request's
 * id. (Fastify's own request logging writes two lines per request, which cost more than the rest of
 * a cached product read.)
 */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const accessLogPlugin = fp(async (app: FastifyInstance) => {
  app.addHook("onResponse", (request, reply, done) => {
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, "request completed");
    done();
  });
});
