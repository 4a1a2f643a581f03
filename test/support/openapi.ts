/** The operations of the gateway's OpenAPI document, as the property-based HTTP tests drive them. */
import type { client } from "../e2e/http.ts";

/** The parts of a JSON Schema the generators read. */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: unknown;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  anyOf?: Schema[];
  minProperties?: number;
  const?: unknown;
  enum?: unknown[];
}

export interface Operation {
  method: string;
  path: string;
  body?: Schema;
  params: { name: string; in: "path" | "query" | "header"; schema: Schema; required: boolean }[];
  /** Whether the operation asks for a bearer token. */
  secured: boolean;
}

/** Every operation of the document the gateway serves at /docs/json. */
export async function operationsOf(api: ReturnType<typeof client>): Promise<Operation[]> {
  const docs = (await api("GET", "/docs/json")).body as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown> } };
  // Named schemas are references into components: resolved here, so generators see whole schemas.
  const resolve = (node: any): any => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== "object") return node;
    if (typeof node.$ref === "string") return resolve(docs.components.schemas[node.$ref.replace("#/components/schemas/", "")]);
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value)]));
  };
  return Object.entries(docs.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      body: resolve(op.requestBody?.content?.["application/json"]?.schema),
      params: (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, schema: resolve(p.schema), required: Boolean(p.required) })),
      // A token is needed unless one of the alternatives asks for nothing (`{}`).
      secured: Array.isArray(op.security) && op.security.length > 0 && !op.security.some((requirement: object) => Object.keys(requirement).length === 0),
    })),
  );
}
