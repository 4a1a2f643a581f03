/**
 * The one way a route reaches a module: a typed call into its contract that carries the caller's
 * token (verified by the module), address and request id.
 */
import type { FastifyRequest } from "fastify";
import { call, type ActionRef, type ParamsOf, type ResultOf } from "../broker/contract-kit.ts";
import type { Broker } from "../broker/create-broker.ts";
import type { ReadCache } from "../broker/read-cache.ts";

declare module "fastify" {
  interface FastifyInstance {
    broker: Broker;
    /** This gateway's copies of cacheable reads, when CACHE_TTL_S is set. */
    readCache: ReadCache | undefined;
  }
  interface FastifyRequest {
    /** The bearer token from `Authorization`, unverified; modules verify it. */
    bearerToken: string | undefined;
  }
}

export async function invoke<A extends ActionRef>(request: FastifyRequest, action: A, params: ParamsOf<A>): Promise<ResultOf<A>> {
  const cache = request.server.readCache;
  const copy = cache && action.cache ? cache.lookup(action, params) : undefined;
  if (copy?.hit) return copy.value as ResultOf<A>;
  const result = await call(request.server.broker, action, params, {
    requestID: request.id,
    meta: { authToken: request.bearerToken, clientIp: request.ip },
  });
  copy?.store(result);
  cache?.changed(action, params);
  return result;
}

/** OpenAPI metadata for a route backed by `action`: who may call it shows as a security requirement. */
export function describedBy(action: ActionRef, tag: string, summary: string) {
  return {
    tags: [tag],
    summary,
    operationId: action.fullName.replace(".", "_"),
    ...(action.access === "anyone" ? {} : { security: [{ bearerAuth: [] }] }),
  };
}
