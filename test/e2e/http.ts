/**
 * A small HTTP client for the end-to-end suite: JSON in, status, headers and parsed body out. Every
 * answer is also held to the OpenAPI document the gateway serves (openapi-conformance.ts): one the
 * document does not describe fails the request.
 */
import { conformanceOf } from "../support/openapi-conformance.ts";

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, instead of JSON-encoding `body`. */
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
}

export function client(baseUrl: () => string) {
  return async function request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const url = `${baseUrl()}${path}`;
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    const drift = (await conformanceOf(baseUrl())).check(method, url, { status: response.status, headers: response.headers, text });
    if (drift) throw new Error(`not as documented: ${drift}`);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (the docs page): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
}

/** A fetch that holds every answer to the served OpenAPI document too, for clients built on fetch. */
export function checkedFetch(baseUrl: () => string): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const text = await response.clone().text();
    const drift = (await conformanceOf(baseUrl())).check(request.method, request.url, { status: response.status, headers: response.headers, text });
    if (drift) throw new Error(`not as documented: ${drift}`);
    return response;
  };
}

/** Asserts the answer is a problem document with this status and code, and leaks nothing. */
export function isProblem(answer: Answer, status: number, code: string): boolean {
  const body = answer.body as Record<string, unknown>;
  const text = JSON.stringify(body);
  return (
    answer.status === status &&
    answer.headers.get("content-type")?.startsWith("application/problem+json") === true &&
    body.status === status &&
    body.code === code &&
    typeof body.title === "string" &&
    typeof body.type === "string" &&
    typeof body.detail === "string" &&
    !/\n\s+at |\/work\/|node_modules|SELECT |INSERT /i.test(text)
  );
}
