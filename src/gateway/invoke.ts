/**
 * The one way a route reaches a module: a typed call into its contract that carries the caller's
 * token (verified by the module), address and request id.
 */
import type { FastifyRequest } from "fastify";
import { call, CommonErrors, Type, type ActionRef, type ParamsOf, type ResultOf } from "../broker/contract-kit.ts";
import type { ProblemData } from "../broker/errors.ts";
import type { Broker } from "../broker/create-broker.ts";
import type { ReadCache } from "../broker/read-cache.ts";
import { operationIdOf, VARIANTS } from "./openapi.ts";

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

/**
 * Where each part of an action's params came from in the request, as JSON Pointer prefixes: a
 * field error the module finds at `/cursor` of params built from the query string is answered at
 * `/query/cursor`, as the gateway's own validation would. Unlisted params came from the body.
 */
export type ParamSources = Record<string, string>;

export async function invoke<A extends ActionRef>(request: FastifyRequest, action: A, params: ParamsOf<A>, sources?: ParamSources): Promise<ResultOf<A>> {
  const cache = request.server.readCache;
  const copy = cache && action.cache ? cache.lookup(action, params) : undefined;
  if (copy?.hit) return copy.value as ResultOf<A>;
  const answer = call(request.server.broker, action, params, {
    requestID: request.id,
    meta: { authToken: request.bearerToken, clientIp: request.ip },
  });
  const result = await (sources ? answer.catch((error: unknown) => Promise.reject(locatedInRequest(error, sources))) : answer);
  copy?.store(result);
  cache?.changed(action, params);
  return result;
}

function locatedInRequest(error: unknown, sources: ParamSources): unknown {
  if (!CommonErrors.validationFailed.is(error)) return error;
  const data = error.data as ProblemData | undefined;
  const prefixes = Object.keys(sources).sort((a, b) => b.length - a.length);
  const errors = data?.errors?.map((field) => {
    const prefix = prefixes.find((candidate) => field.path === candidate || field.path.startsWith(`${candidate}/`) || candidate === "");
    return prefix === undefined ? field : { ...field, path: `${sources[prefix]}${field.path.slice(prefix.length)}` };
  });
  return CommonErrors.validationFailed.error(error.message, { ...data, errors });
}

/** The documented answer to a conditional read whose tag is still current (conditional-get.ts). */
export const NotModified = Type.Null({ description: "Not modified: the copy with this ETag is current" });

/**
 * OpenAPI metadata for a route backed by `action`: who may call it shows as a security requirement.
 * A route that calls another action for some requests (`variants`) documents their errors too, and
 * takes a token when any of them needs one. A route of API version 2 or later has its own
 * operationId for the same action.
 */
export function describedBy(action: ActionRef, tag: string, summary: string, variants: ActionRef[] = [], version = 1) {
  const open = [action, ...variants].map((each) => each.access === "anyone");
  const bearer: Record<string, string[]> = { bearerAuth: [] };
  const security: Record<string, string[]>[] = open.every(Boolean) ? [] : open.some(Boolean) ? [{}, bearer] : [bearer];
  return {
    tags: [tag],
    summary,
    operationId: operationIdOf(action, version),
    security,
    ...(variants.length > 0 ? { [VARIANTS]: variants.map((variant) => variant.fullName) } : {}),
  };
}
