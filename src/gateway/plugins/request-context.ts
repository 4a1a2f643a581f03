/** Echoes the request id on every answer and picks the bearer token out of `Authorization`. */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, RawRequestDefaultExpression } from "fastify";
import fp from "fastify-plugin";

const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's `x-request-id` when it is sane, otherwise a new UUID. */
export function requestIdOf(request: RawRequestDefaultExpression): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && SANE_ID.test(given) ? given : randomUUID();
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

export const requestContextPlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest("bearerToken", undefined);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    const header = request.headers.authorization;
    request.bearerToken = header ? BEARER.exec(header)?.[1] : undefined;
  });
});
