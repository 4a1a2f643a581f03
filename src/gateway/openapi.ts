/**
 * Finishes the OpenAPI document @fastify/swagger generates from the route schemas, so that a
 * client generator can trust it: every operation lists the problems it can answer (from its
 * action's access and declared errors), public operations say they need no token, and schemas
 * that carry a `title` in the contracts become named components (`Product`, `Order`, ...).
 */
import { CommonErrors, type ActionRef, type ErrorSpec } from "../broker/contract-kit.ts";

type Json = Record<string, unknown>;
/** Where describedBy() names the other actions a route may call (an OpenAPI extension, removed here). */
export const VARIANTS = "x-bazaar-variants";
/** A route that also takes no body at all (it defaults one) says so in its schema; documented as an optional requestBody. */
export const OPTIONAL_BODY = "x-bazaar-optional-body";

type Operation = { operationId?: string; [VARIANTS]?: string[]; [OPTIONAL_BODY]?: boolean; requestBody?: { required?: boolean }; parameters?: { in: string }[]; security?: unknown[]; responses: Record<string, Json> };

const METHODS = ["get", "put", "post", "patch", "delete"];

const payloadTooLarge = { status: 413, code: "payload_too_large", description: "The body is larger than 1 MiB." };
const unsupportedMediaType = { status: 415, code: "unsupported_media_type", description: "The body is not application/json." };
const internalError = { status: 500, code: "internal_error", description: "An unexpected error; the detail is generic and the request id is logged." };

const FieldErrorSchema = {
  type: "object",
  required: ["path", "message"],
  properties: {
    path: { type: "string", description: "JSON Pointer: `/field` in the body, `/query/<name>`, `/params/<name>` or `/headers/<name>`", example: "/items/0/quantity" },
    message: { type: "string", example: "must be at least 1" },
  },
};

/** RFC 9457 problem documents, as sendProblem (problem.ts) writes them. */
export const PROBLEM_SCHEMAS: Record<string, Json> = {
  Problem: {
    type: "object",
    required: ["type", "title", "status", "detail", "code"],
    properties: {
      type: { type: "string", description: "`urn:bazaar:problem:<code>`", example: "urn:bazaar:problem:not_found" },
      title: { type: "string", example: "Not Found" },
      status: { type: "integer", example: 404 },
      detail: { type: "string", example: "No product has this id." },
      code: { type: "string", description: "stable snake_case code to branch on", example: "not_found" },
    },
  },
  ValidationProblem: {
    allOf: [
      { $ref: "#/components/schemas/Problem" },
      { type: "object", required: ["errors"], properties: { errors: { type: "array", items: FieldErrorSchema } } },
    ],
  },
};

/** The document, finished; `actions` are every routed action, found by their operationId. */
export function finishDocument(document: Json, actions: ActionRef[]): Json {
  const byOperation = new Map(actions.map((action) => [operationIdOf(action), action]));
  const byName = new Map(actions.map((action) => [action.fullName, action]));
  const schemas = (((document.components ??= {}) as Json).schemas ??= {}) as Json;
  Object.assign(schemas, PROBLEM_SCHEMAS);
  for (const pathItem of Object.values(document.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      const operation = pathItem[method] as Operation | undefined;
      if (!operation) continue;
      const action = operation.operationId ? byOperation.get(operation.operationId.replace(/_v\d+$/, "")) : undefined;
      if (!action) throw new Error(`operation ${operation.operationId ?? method} is backed by no action`);
      const variants = (operation[VARIANTS] ?? []).map((name) => byName.get(name) ?? action);
      delete operation[VARIANTS];
      if (operation[OPTIONAL_BODY] && operation.requestBody) operation.requestBody.required = false;
      delete operation[OPTIONAL_BODY];
      documentHeaders(operation);
      Object.assign(operation.responses, problemResponses([action, ...variants].flatMap((each) => errorsOf(each, operation))));
    }
  }
  hoistNamedSchemas(document.paths as Json, schemas);
  return document;
}

/** `catalog_getProduct`; in API version 2, `catalog_getProduct_v2`. */
export function operationIdOf(action: ActionRef, version = 1): string {
  return action.fullName.replace(".", "_") + (version > 1 ? `_v${version}` : "");
}

/** The headers of the conventions: `Location` on a 201, `ETag` on a read that takes `If-None-Match`. */
function documentHeaders(operation: Operation): void {
  const created = operation.responses["201"];
  if (created) created.headers = { Location: { description: "the path of what was created", required: true, schema: { type: "string" } } };
  if (!operation.parameters?.some((parameter) => parameter.in === "header" && (parameter as { name?: string }).name === "if-none-match")) return;
  const ok = operation.responses["200"];
  if (ok) {
    ok.headers = {
      ETag: { description: "strong tag of this representation; send it as If-None-Match to revalidate", required: true, schema: { type: "string" } },
      "Cache-Control": { description: "`no-cache`: keep a copy, but revalidate before using it", required: true, schema: { type: "string" } },
    };
  }
}

/** What an operation can answer besides its success: the common errors its shape implies, then its own. */
function errorsOf(action: ActionRef, operation: Operation): ErrorSpec[] {
  const errors: ErrorSpec[] = [CommonErrors.validationFailed];
  if (operation.requestBody) errors.push(payloadTooLarge, unsupportedMediaType);
  if (action.access !== "anyone") errors.push(CommonErrors.unauthorized);
  if (action.access === "admin") errors.push(CommonErrors.forbidden);
  errors.push(...(action.errors ?? []), CommonErrors.rateLimited, internalError, CommonErrors.dependencyUnavailable);
  return errors;
}

function problemResponses(errors: ErrorSpec[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorSpec[]>();
  for (const error of errors) {
    const same = byStatus.get(error.status) ?? [];
    if (!same.some((known) => known.code === error.code)) same.push(error);
    byStatus.set(error.status, same);
  }
  const responses: Record<string, Json> = {};
  for (const [status, same] of [...byStatus].sort(([a], [b]) => a - b)) {
    const base = status === 400 ? "ValidationProblem" : "Problem";
    const members = Object.assign({}, ...same.map((error) => error.members ?? {})) as Record<string, object>;
    const codes = { type: "object", properties: { code: { type: "string", enum: same.map((error) => error.code) }, ...members } };
    responses[String(status)] = {
      description: same.map((error) => `\`${error.code}\`: ${error.description}`).join(" "),
      ...(status === 401 ? { headers: { "WWW-Authenticate": { description: "`Bearer`", required: true, schema: { type: "string" } } } } : {}),
      ...(status === 429 ? { headers: { "Retry-After": { description: "seconds to wait", required: true, schema: { type: "integer" } } } } : {}),
      content: { "application/problem+json": { schema: { allOf: [{ $ref: `#/components/schemas/${base}` }, codes] } } },
    };
  }
  return responses;
}

/**
 * Replaces each schema that has a `title` by a reference to a component of that name; two
 * different schemas under one name are a mistake in the contracts, refused here (and by the tests).
 */
function hoistNamedSchemas(node: unknown, schemas: Json): unknown {
  if (Array.isArray(node)) return node.map((item) => hoistNamedSchemas(item, schemas));
  if (node === null || typeof node !== "object") return node;
  const object = node as Json;
  for (const [key, value] of Object.entries(object)) object[key] = hoistNamedSchemas(value, schemas);
  const name = object.title;
  if (typeof name !== "string" || !("type" in object || "allOf" in object || "anyOf" in object)) return object;
  const { title: _title, ...schema } = object;
  const known = schemas[name];
  if (known !== undefined && JSON.stringify(known) !== JSON.stringify(schema)) throw new Error(`two different schemas are named ${name}`);
  schemas[name] = schema;
  return { $ref: `#/components/schemas/${name}` };
}
