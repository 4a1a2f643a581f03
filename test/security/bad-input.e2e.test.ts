/**
 * Property-based bad input: every operation of the OpenAPI document, driven with generated wrong
 * input (wrong types, missing and unknown fields, huge, empty and nasty strings, numbers at and past
 * their bounds, malformed JSON, wrong content types, bad path and query parameters, and bad, expired
 * or forged tokens on otherwise valid requests). Every answer must be a 4xx problem document with a
 * code, never a 5xx, and afterwards every module's tables must be exactly as before.
 *
 * BAD_INPUT_RUNS sets the number of cases (2,000 by default; run 10,000 or more on demand).
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import fc from "fast-check";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, isProblem, type Answer } from "../e2e/http.ts";
import { ADMIN, startSplit, type SplitTopology } from "../support/topology.ts";
import { operationsOf, type Operation, type Schema } from "../support/openapi.ts";

const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 2_000);

let topology: SplitTopology;
let operations: Operation[];
let adminToken: string;
const api = client(() => topology.baseUrl);

beforeAll(async () => {
  topology = await startSplit({ RATE_LIMIT_MAX: "0" });
  adminToken = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
  operations = await operationsOf(api);
}, 120_000);
afterAll(() => topology?.stop());

// ---- valid values, from the schemas -------------------------------------------------------------

const VALID_STRINGS: [RegExp, string][] = [
  [/0-9a-fA-F\]\{8\}/, "00000000-0000-4000-8000-000000000000"],
  [/\[A-Z\]\{3\}/, "EUR"],
  [/\^tok_/, "tok_visa"],
  [/@/, "valid@example.com"],
  [/A-Za-z0-9_-/, "SKU-1"],
];

function valid(schema: Schema): unknown {
  if (schema.anyOf) return valid(schema.anyOf[0] as Schema);
  switch (schema.type) {
    case "object": {
      const value: Record<string, unknown> = {};
      for (const key of schema.required ?? []) value[key] = valid(schema.properties?.[key] ?? {});
      if (Object.keys(value).length < (schema.minProperties ?? 0)) {
        const [key, property] = Object.entries(schema.properties ?? {})[0] as [string, Schema];
        value[key] = valid(property);
      }
      return value;
    }
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => valid(schema.items ?? {}));
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return true;
    case "string":
      return schema.pattern ? (VALID_STRINGS.find(([re]) => re.test(schema.pattern as string))?.[1] ?? "a") : "a".repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return null;
  }
}

// ---- ways to be wrong -----------------------------------------------------------------------------

const nasty = fc.oneof(
  fc.constantFrom(
    "' OR '1'='1' --",
    "'; drop table orders.orders; --",
    "../../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "<script>alert(1)</script>",
    "${jndi:ldap://x/a}",
    "\u202e\u0007\u001b[31m",
    "😀".repeat(400),
    "x".repeat(70_000),
  ),
  fc.string({ unit: "binary", maxLength: 300 }),
);

const WRONG_TYPES: unknown[] = ["5", 5, 1.5, -1, true, null, [], {}, [5], 1e308, -0];

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Leaf paths of a body (object keys, and the first element of arrays), with their schemas. */
function leaves(schema: Schema, path: (string | number)[] = []): { path: (string | number)[]; schema: Schema }[] {
  if (schema.type === "object" && schema.properties) {
    return Object.entries(schema.properties).flatMap(([key, child]) => [{ path: [...path, key], schema: child }, ...leaves(child, [...path, key])]);
  }
  if (schema.type === "array" && schema.items) return leaves(schema.items, [...path, 0]);
  return [];
}

function setAt(target: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  const copy = structuredClone(target) as any;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined || node[key] === null || typeof node[key] !== "object") node[key] = typeof path[path.indexOf(key) + 1] === "number" ? [{}] : {};
    node = node[key];
  }
  const last = path.at(-1) as string | number;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

/** A mutation that makes a valid value of `schema` invalid, or null when none applies. */
function breakValue(schema: Schema, pick: number, text: string): unknown | null {
  const wrongType = WRONG_TYPES.filter((v) => typeOf(v) !== schema.type && !(schema.type === "number" && typeOf(v) === "integer") && !(schema.anyOf && schema.anyOf.some((s) => s.type === typeOf(v))));
  const options: unknown[] = [wrongType[pick % wrongType.length]];
  if (schema.type === "string") {
    if (schema.maxLength !== undefined) options.push("é".repeat(schema.maxLength + 1 + (pick % 50)));
    if ((schema.minLength ?? 0) > 0) options.push("");
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(text)) options.push(text);
    options.push(`${valid(schema)}\u0000`);
  }
  if (schema.type === "integer" || schema.type === "number") {
    if (schema.minimum !== undefined) options.push(schema.minimum - 1);
    if (schema.maximum !== undefined) options.push(schema.maximum + 1);
    if (schema.type === "integer") options.push(1.5);
  }
  return options[pick % options.length];
}

interface BadRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What was broken, for the failure message. */
  kind: string;
}

/** Percent-encodes anything, a lone surrogate too: as the bytes of its (invalid) UTF-8 form. */
function encodeLoose(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.toWellFormed()).replaceAll("%EF%BF%BD", "%ED%A0%80");
  }
}

function fillPath(op: Operation, overrides: Record<string, string> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeLoose(overrides[name] ?? (valid(op.params.find((p) => p.name === name)?.schema ?? {}) as string)));
}

function validQuery(op: Operation): URLSearchParams {
  const query = new URLSearchParams();
  for (const p of op.params.filter((p) => p.in === "query" && p.required)) query.set(p.name, String(valid(p.schema)));
  return query;
}

async function badTokens(): Promise<string[]> {
  const stranger = generateKeyPairSync("ed25519").privateKey;
  const forged = await new SignJWT({ roles: ["admin"] }).setProtectedHeader({ alg: "EdDSA" }).setSubject(randomUUID()).setIssuer("bazaar").setAudience("bazaar").setExpirationTime("5m").sign(stranger);
  const key = (await import("node:crypto")).createPrivateKey(await topology.signingKeyPem());
  const expired = await new SignJWT({ roles: ["admin"] }).setProtectedHeader({ alg: "EdDSA" }).setSubject(randomUUID()).setIssuer("bazaar").setAudience("bazaar").setExpirationTime(Math.floor(Date.now() / 1000) - 5).sign(key);
  const hmac = await new SignJWT({ roles: ["admin"] }).setProtectedHeader({ alg: "HS256" }).setSubject(randomUUID()).setIssuer("bazaar").setAudience("bazaar").setExpirationTime("5m").sign(new TextEncoder().encode("guessed-secret"));
  const [, payload] = adminToken.split(".");
  return [forged, expired, hmac, `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`, "garbage", adminToken.slice(0, -4) + "AAAA"];
}

function build(op: Operation, kind: number, pick: number, text: string, tokens: string[]): BadRequest {
  const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
  const url = () => `${fillPath(op)}${validQuery(op).size ? `?${validQuery(op)}` : ""}`;
  const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { ...headers, "content-type": "application/json" } });
  const base = op.body ? valid(op.body) : undefined;
  const choices: (() => BadRequest | null)[] = [
    // A body field of the wrong type, out of bounds, too long or short, or off its pattern.
    () => {
      if (!op.body) return null;
      const fields = leaves(op.body);
      const field = fields[pick % fields.length];
      if (!field) return null;
      return { method: op.method, url: url(), ...json(setAt(base, field.path, breakValue(field.schema, pick, text))), kind: `field ${field.path.join("/")}` };
    },
    // A required field missing, or an unknown one added.
    () => {
      if (!op.body || typeof base !== "object" || base === null) return null;
      const required = op.body.required ?? [];
      if (required.length > 0 && pick % 2 === 0) {
        const key = required[pick % required.length] as string;
        return { method: op.method, url: url(), ...json(setAt(base, [key], undefined, true)), kind: `missing ${key}` };
      }
      return { method: op.method, url: url(), ...json({ ...(base as object), [`unknown_${text.slice(0, 20)}`]: text }), kind: "unknown property" };
    },
    // Not a JSON object at all, malformed JSON, or another media type.
    () => {
      if (!op.body) return null;
      const variants: [string, string][] = [
        ["application/json", JSON.stringify([base])],
        ["application/json", JSON.stringify(text)],
        ["application/json", "null"],
        ["application/json", `{"a":${text}`],
        ["application/json", ""],
        ["text/plain", JSON.stringify(base)],
        ["application/x-www-form-urlencoded", "a=b"],
        ["application/json; charset=latin1", JSON.stringify(base)],
        ["application/xml", "<a/>"],
      ];
      const [contentType, body] = variants[pick % variants.length] as [string, string];
      return { method: op.method, url: url(), body, headers: { ...headers, "content-type": contentType }, kind: `body as ${contentType}` };
    },
    // A path parameter that is not an id.
    () => {
      const param = op.params.find((p) => p.in === "path");
      if (!param) return null;
      const body = op.body ? json(base) : { headers };
      return { method: op.method, url: fillPath(op, { [param.name]: text.length > 0 ? text : "not-a-uuid" }), ...body, kind: `path ${param.name}` };
    },
    // A query parameter out of range, unknown, or of the wrong type.
    () => {
      if (op.method !== "GET") return null;
      const query = validQuery(op);
      const variants = [["limit", "0"], ["limit", "101"], ["limit", text || "x"], ["cursor", text || "!"], [`unknown${pick % 7}`, text], ["limit", "1e1"]];
      const [name, value] = variants[pick % variants.length] as [string, string];
      if (name === "cursor" && !op.params.some((p) => p.name === "cursor")) query.set("limit", "-5");
      else query.set(name, value);
      return { method: op.method, url: `${fillPath(op)}?${query}`, headers, kind: `query ${name}` };
    },
    // A valid request with a bad, expired, forged or unsigned token.
    () => {
      if (!op.secured) return null;
      const token = tokens[pick % tokens.length] as string;
      const auth: Record<string, string> = { authorization: `Bearer ${token}` };
      const body = op.body ? { body: JSON.stringify(base), headers: { ...auth, "content-type": "application/json" } } : { headers: auth };
      return { method: op.method, url: url(), ...body, kind: "bad token" };
    },
  ];
  for (let i = 0; i < choices.length; i++) {
    const request = (choices[(kind + i) % choices.length] as () => BadRequest | null)();
    if (request) return request;
  }
  return { method: op.method, url: `${op.path}/../${encodeLoose(text)}`, headers, kind: "unknown route" };
}

async function send(request: BadRequest): Promise<Answer> {
  const response = await fetch(`${topology.baseUrl}${request.url.startsWith("/") ? request.url : `/${request.url}`}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // checked below: every error must be a problem document
  }
  return { status: response.status, headers: response.headers, body };
}

async function snapshot(): Promise<Record<string, string>> {
  const tables = await topology.db.query<{ table_schema: string; table_name: string }>(
    `select table_schema, table_name from information_schema.tables
     where table_schema in ('identity', 'catalog', 'inventory', 'orders', 'payments') and table_name <> 'mikro_orm_migrations'`,
  );
  const sums: Record<string, string> = {};
  for (const { table_schema: schema, table_name: table } of tables) {
    const [row] = await topology.db.query<{ n: string; sum: string | null }>(
      `select count(*) as n, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as sum from "${schema}"."${table}" t`,
    );
    sums[`${schema}.${table}`] = `${row?.n}:${row?.sum}`;
  }
  return sums;
}

describe("bad input, generated", () => {
  it(`never gets a 5xx or a non-problem answer, and changes nothing (${RUNS} cases)`, async () => {
    const tokens = await badTokens();
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the admin login's effects settle
    const before = await snapshot();
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: operations.length - 1 }), fc.nat({ max: 5 }), fc.nat(), nasty, async (opIndex, kind, pick, text) => {
        const op = operations[opIndex] as Operation;
        const request = build(op, kind, pick, text, tokens);
        const answer = await send(request);
        seen.set(`${answer.status}`, (seen.get(`${answer.status}`) ?? 0) + 1);
        const where = `${request.method} ${request.url.slice(0, 120)} (${request.kind}) → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
        expect(answer.status, where).toBeGreaterThanOrEqual(400);
        expect(answer.status, where).toBeLessThan(500);
        const problem = answer.body as { code?: unknown };
        expect(isProblem(answer, answer.status, String(problem?.code)), where).toBe(true);
        expect(typeof problem.code, where).toBe("string");
      }),
      { numRuns: RUNS, seed: process.env.BAD_INPUT_SEED ? Number(process.env.BAD_INPUT_SEED) : undefined },
    );
    expect(await snapshot()).toEqual(before);
    console.log(`bad-input: ${RUNS} cases over ${operations.length} operations, statuses ${JSON.stringify(Object.fromEntries(seen))}`);
  }, 600_000);
});
