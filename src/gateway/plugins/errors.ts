/**
 * Turns every failure into a problem document: validation and parser errors from fastify, errors
 * from the modules (which carry their status and code across the broker) and anything unexpected,
 * which is logged with its request id and answered with a generic 500.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { describeError, type FieldError } from "../../broker/errors.ts";
import { sendProblem } from "../problem.ts";

const FASTIFY_CODES: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: "payload_too_large", detail: "The body is larger than 1 MiB." },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: "unsupported_media_type",
    detail: "Send the body as application/json.",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: "validation_failed", detail: "Content-Length does not match the body." },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: "validation_failed", detail: "The JSON body is empty." },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: "validation_failed", detail: "The body is not valid JSON." },
};

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError & { validation?: FieldError[] }, request, reply) => {
    if (error.validation) {
      const errors = Array.isArray(error.validation) ? error.validation : [];
      return sendProblem(reply, { status: 400, code: "validation_failed", detail: "The request is not valid.", errors });
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      // Fastify would close the connection with the body unread, and closing on unread data resets
      // it, so the client may never see this answer; kept open, Node reads the rest and drops it
      // (within the request timeout).
      reply.removeHeader("connection");
    }
    if (known) {
      return sendProblem(reply, known.code === "validation_failed" ? { ...known, errors: [{ path: "", message: known.detail }] } : known);
    }
    if (error.statusCode === 429) {
      return sendProblem(reply, { status: 429, code: "rate_limited", detail: "Too many requests; try again later." });
    }
    if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500 && error.code?.startsWith("FST_")) {
      return sendProblem(reply, { status: 400, code: "validation_failed", detail: "The request is malformed.", errors: [] });
    }
    const described = describeError(error);
    if (described.status === 500) request.log.error({ err: error }, "request failed");
    else if (described.status === 503) request.log.warn({ err: error }, "a module this request needs is unavailable");
    if (described.data?.retryAfterS) reply.header("retry-after", String(described.data.retryAfterS));
    return sendProblem(reply, { status: described.status, code: described.code, detail: described.detail, errors: described.data?.errors, members: described.data?.members });
  });
});
