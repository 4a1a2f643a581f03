/**
 * Holds answers to the OpenAPI document the gateway serves: an answer of a documented operation
 * must have a status the operation lists, a body that matches what is documented for it (none
 * where none is documented) and every header documented as required. The end-to-end client runs
 * every answer through this, so a drift between the server and its document fails the tests.
 */
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

type Json = Record<string, any>;

interface Operation {
  pattern: RegExp;
  method: string;
  pointer: string;
  responses: Record<string, Json>;
}

export class Conformance {
  readonly #operations: Operation[];
  readonly #ajv: Ajv;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(document: Json) {
    this.#ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
    addFormats.default(this.#ajv);
    this.#ajv.addSchema(document, "openapi");
    this.#operations = Object.entries(document.paths as Record<string, Json>).flatMap(([template, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        pattern: new RegExp(`^${template.replaceAll(/\{[^}]+\}/g, "[^/]+").replaceAll(".", "\\.")}/?$`),
        method: method.toUpperCase(),
        pointer: `#/paths/${template.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}`,
        responses: (operation as Json).responses,
      })),
    );
  }

  /** What is wrong with this answer, or undefined when it is as documented (or of no documented operation). */
  check(method: string, url: string, answer: { status: number; headers: Headers; text: string }): string | undefined {
    const path = new URL(url).pathname;
    const operation = this.#operations.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    // Refused before any route is chosen (headers too large for Node to parse): no operation answers.
    if (!operation || answer.status === 431) return undefined;
    const where = `${method} ${path} answered ${answer.status}`;
    const response = operation.responses[String(answer.status)];
    if (!response) return `${where}, a status its operation does not document (${Object.keys(operation.responses).join(", ")})`;
    for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
      if (header.required && !answer.headers.has(name)) return `${where} without its documented ${name} header`;
    }
    const content = response.content as Record<string, Json> | undefined;
    if (!content) return answer.text === "" ? undefined : `${where} with a body where none is documented`;
    const type = answer.headers.get("content-type")?.split(";")[0] ?? "";
    if (!content[type]) return `${where} as ${type || "no content type"}, documented as ${Object.keys(content).join(", ")}`;
    const key = `${operation.pointer}/responses/${answer.status}/content/${type.replaceAll("/", "~1")}/schema`;
    let validate = this.#validators.get(key);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: `openapi${key}` });
      this.#validators.set(key, validate);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return `${where} with a body that is not JSON`;
    }
    return validate(body) ? undefined : `${where} with a body unlike its document: ${this.#ajv.errorsText(validate.errors)}`;
  }
}

const loaded = new Map<string, Promise<Conformance>>();

/** The conformance check for the gateway at `baseUrl`, from the document it serves (fetched once). */
export function conformanceOf(baseUrl: string): Promise<Conformance> {
  let found = loaded.get(baseUrl);
  if (!found) {
    found = fetch(`${baseUrl}/docs/json`).then(async (response) => new Conformance((await response.json()) as Json));
    found.catch(() => loaded.delete(baseUrl));
    loaded.set(baseUrl, found);
  }
  return found;
}
