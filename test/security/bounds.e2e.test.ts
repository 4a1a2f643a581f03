/**
 * Valid input at the edges: every operation of the OpenAPI document, driven with values that sit
 * exactly on its schema's bounds (the longest and shortest strings, in one-byte and in four-byte
 * characters, the largest and smallest numbers, the most and fewest items) in every combination
 * fast-check picks. Such input is valid by the contract, so whatever the module makes of it, the
 * answer must never be a 5xx: a column narrower than its schema, or a bound the database cannot
 * hold, shows up here.
 *
 * BOUNDS_RUNS sets the number of cases (300 by default).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, type Answer } from "../e2e/http.ts";
import { ADMIN, startOneProcess, type Topology } from "../support/topology.ts";
import { operationsOf, type Operation, type Schema } from "../support/openapi.ts";

const RUNS = Number(process.env.BOUNDS_RUNS ?? 300);

let topology: Topology;
let operations: Operation[];
let adminToken: string;
const productIds: string[] = [];
const api = client(() => topology.baseUrl);

beforeAll(async () => {
  topology = await startOneProcess({ RATE_LIMIT_MAX: "0" });
  adminToken = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
  // Real products, with stock, so that ids at their bounds (an order of the most lines) reach
  // every module rather than stopping at "not found"; half are priced at the maximum.
  for (let i = 0; i < 50; i++) {
    const product = { sku: `BOUND-${i}`, name: `bound ${i}`, priceCents: i % 2 === 0 ? 100_000_000 : 1, currency: "EUR" };
    const { body } = await api("POST", "/v1/products", { body: product, token: adminToken });
    await api("PUT", `/v1/inventory/${body.id}`, { body: { available: 1_000_000_000 }, token: adminToken });
    productIds.push(body.id);
  }
  operations = await operationsOf(api);
}, 120_000);
afterAll(() => topology?.stop());

/** Short valid samples for the patterns and formats the contracts use. */
const SAMPLES: [RegExp, string][] = [
  [/\[A-Z\]\{3\}/, "EUR"],
  [/\^tok_/, "tok_visa"],
  [/@/, "valid@example.com"],
];

/** Which end of each bound a generated value takes, and in which characters strings are filled. */
interface Edge {
  /** Longest strings, largest numbers, most items; otherwise the smallest of each. */
  high: boolean;
  /** Strings filled with a four-byte character (two UTF-16 units) where the pattern allows it. */
  wide: boolean;
}

/**
 * A valid string of exactly `length` characters: the pattern's sample padded with the filler
 * before or after it, whichever the pattern accepts; null when no padding fits.
 */
function padded(schema: Schema, length: number, filler: string): string | null {
  const pattern = schema.pattern ? new RegExp(schema.pattern, "u") : null;
  const sample = pattern ? (SAMPLES.find(([re]) => re.test(schema.pattern as string))?.[1] ?? "") : "";
  const pad = filler.repeat(Math.max(0, length - [...sample].length));
  for (const candidate of [sample + pad, pad + sample, filler.repeat(length)]) {
    if ([...candidate].length === length && (!pattern || pattern.test(candidate))) return candidate;
  }
  return null;
}

const UUID = /0-9a-fA-F\]\{8\}/;

function atEdge(schema: Schema, edge: Edge, index = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return edge.high ? schema.enum.at(-1) : schema.enum[0];
  if (schema.anyOf) return atEdge(schema.anyOf[edge.high ? schema.anyOf.length - 1 : 0] as Schema, edge, index);
  switch (schema.type) {
    case "object": {
      const value: Record<string, unknown> = {};
      const all = Object.keys(schema.properties ?? {});
      const keys = edge.high ? all : (schema.required ?? []);
      for (const key of keys.length > 0 || !schema.minProperties ? keys : all.slice(0, 1)) {
        value[key] = atEdge(schema.properties?.[key] ?? {}, edge, index);
      }
      return value;
    }
    case "array": {
      const count = edge.high ? (schema.maxItems ?? 3) : Math.max(schema.minItems ?? 0, 1);
      return Array.from({ length: count }, (_, i) => atEdge(schema.items ?? {}, edge, i));
    }
    case "integer":
    case "number":
      return edge.high ? (schema.maximum ?? Number.MAX_SAFE_INTEGER) : (schema.minimum ?? 0);
    case "boolean":
      return edge.high;
    case "string": {
      if (schema.format === "date-time") return new Date(edge.high ? 253402300799000 : 0).toISOString();
      // Ids name the products made above; the items of an array name different ones.
      if (schema.pattern && UUID.test(schema.pattern)) return productIds[index % productIds.length];
      if (schema.maxLength === undefined && schema.pattern) return SAMPLES.find(([re]) => re.test(schema.pattern as string))?.[1] ?? "a";
      const length = edge.high ? (schema.maxLength ?? 1_000) : Math.max(schema.minLength ?? 0, 1);
      const fillers = edge.wide ? ["😀", "é", "a"] : ["a", "A", "1"];
      const suffix = index === 0 ? "" : String(index);
      for (const filler of fillers) {
        const text = padded(schema, length - suffix.length, filler);
        if (text !== null && (!schema.pattern || new RegExp(schema.pattern, "u").test(text + suffix))) return text + suffix;
      }
      // Shorter than the pattern's own sample: the sample is the shortest we know.
      return SAMPLES.find(([re]) => re.test(schema.pattern ?? "\u0000"))?.[1] ?? "a";
    }
    default:
      return null;
  }
}

function request(op: Operation, edges: Edge[]): { url: string; init: RequestInit } {
  const edgeOf = (i: number) => edges[i % edges.length] as Edge;
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(atEdge(op.params.find((p) => p.name === name)?.schema ?? {}, edgeOf(0)))));
  const query = new URLSearchParams();
  const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
  op.params.forEach((param, i) => {
    if (param.in === "path") return;
    // A cursor is opaque: only one the server issued is valid.
    if (param.name === "cursor" || (!param.required && !edgeOf(i).high)) return;
    const value = String(atEdge(param.schema, { ...edgeOf(i), wide: false }));
    if (param.in === "query") query.set(param.name, value);
    else headers[param.name] = value;
  });
  let body: string | undefined;
  if (op.body) {
    headers["content-type"] = "application/json";
    // Each top-level field takes its own edge, so that combinations of long and short meet.
    const value = atEdge(op.body, edgeOf(0)) as Record<string, unknown>;
    Object.keys(op.body.properties ?? {}).forEach((key, i) => {
      if (key in value || edgeOf(i + 1).high) value[key] = atEdge(op.body?.properties?.[key] ?? {}, edgeOf(i + 1));
    });
    body = JSON.stringify(value);
  }
  return { url: `${path}${query.size ? `?${query}` : ""}`, init: { method: op.method, headers, body } };
}

async function send({ url, init }: { url: string; init: RequestInit }): Promise<Answer> {
  const response = await fetch(`${topology.baseUrl}${url}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text };
}

describe("valid input at every schema bound", () => {
  it(`never gets a 5xx (${RUNS} cases over every operation)`, async () => {
    const seen = new Map<number, number>();
    const edge = fc.record({ high: fc.boolean(), wide: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: operations.length - 1 }), fc.array(edge, { minLength: 1, maxLength: 6 }), async (opIndex, edges) => {
        const op = operations[opIndex] as Operation;
        const built = request(op, edges);
        const answer = await send(built);
        seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
        const where = `${op.method} ${built.url.slice(0, 160)} ${String(built.init.body ?? "").slice(0, 200)} → ${answer.status} ${String(answer.body).slice(0, 300)}`;
        expect(answer.status, where).toBeLessThan(500);
      }),
      { numRuns: RUNS, seed: process.env.BOUNDS_SEED ? Number(process.env.BOUNDS_SEED) : undefined },
    );
    // Both ends of the bounds reached the modules, not only the validator.
    expect([...seen.keys()].some((status) => status < 300), JSON.stringify(Object.fromEntries(seen))).toBe(true);
    console.log(`bounds: ${RUNS} cases over ${operations.length} operations, statuses ${JSON.stringify(Object.fromEntries(seen))}`);
  }, 300_000);

  it("answers a login with the longest email the contract allows like any wrong password", async () => {
    for (const filler of ["a", "😀"]) {
      const email = `${filler.repeat(320 - "@example.com".length)}@example.com`;
      const answer = await api("POST", "/v1/auth/login", { body: { email, password: "wrong-password" } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(401);
      expect(answer.body.code).toBe("invalid_credentials");
    }
  });
});
