/**
 * The one schema validator. Modules validate action params with it (so a module rejects bad input
 * even when called over NATS) and the gateway validates requests with it, from the same schemas.
 */
import { Ajv, type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import type { FieldError } from "./errors.ts";

export type Check = (value: unknown) => FieldError[] | null;

// JSON bodies and action params are never coerced ("5" is not an integer); query and path
// parameters are strings by nature and are parsed into the schema's types.
const strict = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: false, strict: true });
const coercing = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: false, strict: true });

for (const ajv of [strict, coercing]) addFormats.default(ajv, ["date-time", "date", "email"]);

const MAX_ERRORS = 20;

/**
 * A check for `schema`, compiled once, on its first use (compiling every schema of every contract
 * up front took a tenth of the start-up); it gives the field errors, or null when valid.
 */
export function compileCheck(schema: object, options: { coerce?: boolean; pathPrefix?: string } = {}): Check {
  let compiled: Check | undefined;
  return (value) => (compiled ??= compile(schema, options))(value);
}

function compile(schema: object, options: { coerce?: boolean; pathPrefix?: string }): Check {
  const validate = (options.coerce ? coercing : strict).compile(schema);
  const prefix = options.pathPrefix ?? "";
  const integers = options.coerce ? integerFields(schema) : [];
  return (value) => {
    const notIntegers = integers.filter((key) => typeof (value as Record<string, unknown>)?.[key] === "string" && !INTEGER_TEXT.test((value as Record<string, string>)[key] as string));
    if (notIntegers.length > 0) return notIntegers.map((key) => ({ path: `${prefix}/${escapePointer(key)}`, message: "must be an integer" }));
    if (!validate(value)) return toFieldErrors(validate.errors ?? [], prefix);
    const unstorable = findUnstorableString(value, prefix);
    return unstorable ? [{ path: unstorable, message: "contains a NUL character or an unpaired surrogate" }] : null;
  };
}

/** Parsing a query string, "1e1" or " 5" must not become an integer: only plain decimal digits do. */
const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;

function integerFields(schema: object): string[] {
  const properties = (schema as { properties?: Record<string, { type?: string }> }).properties ?? {};
  return Object.entries(properties)
    .filter(([, property]) => property.type === "integer")
    .map(([key]) => key);
}

/**
 * PostgreSQL cannot store NUL in text, and an unpaired surrogate would be stored as U+FFFD: either
 * would fail or silently change a write, so such strings are refused up front, wherever they sit.
 */
function findUnstorableString(value: unknown, path: string): string | null {
  if (typeof value === "string") return value.includes("\u0000") || !value.isWellFormed() ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableString(item, `${path}/${index}`);
      if (found !== null) return found;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = findUnstorableString(key, path) ?? findUnstorableString(item, `${path}/${escapePointer(key)}`);
      if (found !== null) return found;
    }
  }
  return null;
}

function toFieldErrors(errors: ErrorObject[], prefix: string): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors) {
    const path = prefix + pointerOf(error);
    const message = messageOf(error);
    const key = `${path} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ path, message });
    if (result.length >= MAX_ERRORS) break;
  }
  return result;
}

function escapePointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

function pointerOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required") return `${error.instancePath}/${escapePointer(String(params.missingProperty))}`;
  if (error.keyword === "additionalProperties") {
    return `${error.instancePath}/${escapePointer(String(params.additionalProperty))}`;
  }
  return error.instancePath;
}

/** Messages for people: what the value must be, in words rather than the validator's own. */
function messageOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return "is not an allowed property";
    case "required":
      return "is required";
    case "pattern":
      return "has an invalid format";
    case "anyOf":
      return "does not match any allowed form";
    case "type":
      return `must be ${params.type === "integer" ? "an integer" : params.type === "object" ? "an object" : params.type === "array" ? "an array" : `a ${String(params.type)}`}`;
    case "minLength":
      return `must be at least ${plural(params.limit, "character")} long`;
    case "maxLength":
      return `must be at most ${plural(params.limit, "character")} long`;
    case "minimum":
      return `must be at least ${String(params.limit)}`;
    case "maximum":
      return `must be at most ${String(params.limit)}`;
    case "minItems":
      return `must have at least ${plural(params.limit, "item")}`;
    case "maxItems":
      return `must have at most ${plural(params.limit, "item")}`;
    case "uniqueItems":
      return "must not list the same item twice";
    case "minProperties":
      return `must have at least ${plural(params.limit, "field")}`;
    case "format":
      return params.format === "date-time" ? "must be an RFC 3339 date-time" : `must be a valid ${String(params.format)}`;
    case "const":
    case "enum":
      return `must be one of ${((params.allowedValues as unknown[] | undefined) ?? [params.allowedValue]).map((value) => JSON.stringify(value)).join(", ")}`;
    default:
      return error.message ?? "is invalid";
  }
}

function plural(count: unknown, noun: string): string {
  return `${String(count)} ${noun}${count === 1 ? "" : "s"}`;
}
