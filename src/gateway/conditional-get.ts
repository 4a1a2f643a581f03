/**
 * Conditional reads for single resources (API conventions): a strong `ETag` computed from the
 * bytes of the answer, so it changes exactly when the representation does, and `If-None-Match`
 * with a current tag answered 304 with no body. `Cache-Control: no-cache` lets clients and
 * proxies keep a copy but makes them ask each time, which the tag makes cheap; a writer therefore
 * still reads its own writes at once.
 */
import { hash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "../broker/contract-kit.ts";

/** The request header the route documents and validates. */
export const IfNoneMatch = Type.Object({
  "if-none-match": Type.Optional(Type.String({ maxLength: 1024, description: "an ETag from an earlier answer: 304 if it is still current" })),
});

/** An onSend hook for a route whose 200 answers are `public` (anyone's) or `private` (one user's). */
export function revalidated(audience: "public" | "private") {
  const cacheControl = `${audience}, no-cache`;
  return (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    if (reply.statusCode !== 200 || typeof payload !== "string") return done(null, payload);
    const tag = `"${hash("sha1", payload, "base64url")}"`;
    reply.header("etag", tag).header("cache-control", cacheControl);
    if (!matches(request.headers["if-none-match"], tag)) return done(null, payload);
    reply.code(304);
    done(null, "");
  };
}

/** RFC 9110 13.1.2: a list of tags or `*`, compared weakly (a `W/` prefix does not matter). */
function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  return header.split(",").some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === "*" || trimmed === tag || trimmed === `W/${tag}`;
  });
}
