/**
 * JSON bodies are parsed only when their shape could fit the route's schema. Parsing and then
 * validating costs time in proportion to the number of values, not bytes: a 1 MiB body of 340,000
 * empty objects took 40-140 ms to parse and half a second to validate, for any client, before any
 * sign-in. The schema bounds how many objects, arrays and members a valid body holds at its
 * largest; a scan of the text counts them first (a few milliseconds for 1 MiB, and it stops at the
 * first value over the bound) and refuses the rest as a 400 without parsing it.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { validationFailed } from "../../broker/errors.ts";

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: unknown;
  items?: Schema;
  maxItems?: number;
  anyOf?: Schema[];
}

/**
 * The most `{`, `[` and `,` a valid value of `schema` holds outside its strings, or Infinity when
 * the schema leaves that unbounded (an array with no maxItems, an object open to any property).
 */
export function structureBound(schema: Schema): number {
  if (schema.anyOf) return Math.max(...schema.anyOf.map(structureBound));
  if (schema.type === "object") {
    if (schema.additionalProperties !== false) return Infinity;
    const members = Object.values(schema.properties ?? {});
    return 1 + members.length + members.reduce((sum, member) => sum + structureBound(member), 0);
  }
  if (schema.type === "array") {
    if (schema.maxItems === undefined || !schema.items) return Infinity;
    return 1 + schema.maxItems * (1 + structureBound(schema.items));
  }
  return 0;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when `text` holds more than `bound` of `{`, `[` and `,` outside strings. */
export function exceedsStructure(text: string, bound: number): boolean {
  let count = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if ((c === OPEN_BRACE || c === OPEN_BRACKET || c === COMMA) && ++count > bound) return true;
  }
  return false;
}

const bounds = new WeakMap<object, number>();

function boundFor(request: FastifyRequest): number {
  const schema = request.routeOptions.schema?.body as Schema | undefined;
  if (!schema) return Infinity;
  let bound = bounds.get(schema);
  if (bound === undefined) bounds.set(schema, (bound = structureBound(schema)));
  return bound;
}

export const jsonBodyPlugin = fp(async (app: FastifyInstance) => {
  // Fastify's own parser (with its prototype-poisoning guard and its empty and invalid JSON errors).
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (exceedsStructure(body as string, boundFor(request))) {
      // Answered like any failed validation (plugins/errors.ts reads `validation`).
      const errors = [{ path: "", message: "holds more values than any valid body" }];
      return done(Object.assign(validationFailed(errors), { validation: errors }), undefined);
    }
    parse(request, body as string, done);
  });
});
