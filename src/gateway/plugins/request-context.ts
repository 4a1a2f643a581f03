/** Echoes the request id on every answer and picks the bearer token out of `Authorization`. */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, RawRequestDefaultExpression } from "fastify";
import fp from "fastify-plugin";
import { sendProblem } from "../problem.ts";

const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's `x-request-id` when it is sane, otherwise a new UUID. */
export function requestIdOf(request: RawRequestDefaultExpression): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && SANE_ID.test(given) ? given : randomUUID();
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i;
const JSON_CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

export const requestContextPlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest("bearerToken", undefined);
  // Callback hooks (not async ones) on the request path: each promise costs a little on every request.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    // JSON is UTF-8 (RFC 8259); a body declared in another charset or encoding is not one we read.
    const charset = JSON_CHARSET.exec(request.headers["content-type"] ?? "")?.[1];
    const encoding = request.headers["content-encoding"];
    if ((charset && charset.toLowerCase() !== "utf-8") || (encoding && encoding.toLowerCase() !== "identity")) {
      sendProblem(reply, { status: 415, code: "unsupported_media_type", detail: "Send the body as uncompressed application/json in UTF-8." });
      return;
    }
    const header = request.headers.authorization;
    request.bearerToken = header ? BEARER.exec(header)?.[1] : undefined;
    done();
  });
});
