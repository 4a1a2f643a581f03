/**
 * Fastify validates requests with the broker's own validator and the contracts' schemas: bodies
 * strictly, query and path parameters parsed from their strings.
 */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { validationFailed } from "../../broker/errors.ts";
import { compileCheck } from "../../broker/validator.ts";

const PREFIX: Record<string, string> = { body: "", querystring: "/query", params: "/params", headers: "/headers" };

/** API routes that declare no query parameters take none: an unknown one is a 400, as in bodies. */
const NO_QUERY = { type: "object", properties: {}, additionalProperties: false };
const isApiRoute = (url: string) => url.startsWith("/v1/") || url.startsWith("/.well-known/");

export const validationPlugin = fp(async (app: FastifyInstance) => {
  app.addHook("onRoute", (route) => {
    if (isApiRoute(route.url) && !route.schema?.querystring) route.schema = { ...route.schema, querystring: NO_QUERY };
  });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const part = httpPart ?? "body";
    const check = compileCheck(schema, { coerce: part !== "body", pathPrefix: PREFIX[part] ?? "" });
    return (value: unknown) => {
      const errors = check(value);
      if (!errors) return { value };
      const error = validationFailed(errors) as unknown as Error & { validation: unknown };
      error.validation = errors;
      return { error };
    };
  });
});
