/**
 * Fastify validates requests with the broker's own validator and the contracts' schemas: bodies
 * strictly, query and path parameters parsed from their strings.
 */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { validationFailed } from "../../broker/errors.ts";
import { compileCheck } from "../../broker/validator.ts";

const PREFIX: Record<string, string> = { body: "", querystring: "/query", params: "/params", headers: "/headers" };

export const validationPlugin = fp(async (app: FastifyInstance) => {
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
