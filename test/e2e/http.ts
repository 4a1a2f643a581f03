/** A small HTTP client for the end-to-end suite: JSON in, status, headers and parsed body out. */
import http from "node:http";

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
  /**
   * The server may answer before it has read the body (a body over the limit is refused from its
   * declared length, and the connection closed): read that answer even if sending the rest fails.
   * fetch reports the failed send (EPIPE) instead.
   */
  answeredEarly?: boolean;
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
    const response = options.answeredEarly ? await earlyAnswer(`${baseUrl()}${path}`, method, headers, body ?? "") : await fetch(`${baseUrl()}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (the docs page): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
}

async function earlyAnswer(url: string, method: string, headers: Record<string, string>, body: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    let answer: http.IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    const done = () => {
      const answerHeaders = new Headers();
      for (const [name, value] of Object.entries(answer?.headers ?? {})) if (typeof value === "string") answerHeaders.set(name, value);
      resolve(new Response(Buffer.concat(chunks), { status: answer?.statusCode, headers: answerHeaders }));
    };
    const request = http.request(url, { method, headers }, (response) => {
      answer = response;
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", done);
      // The server closing on the rest of our body may cut the connection once it has answered.
      response.on("error", done);
    });
    request.on("error", (error) => (answer ? undefined : reject(error)));
    request.end(body);
  });
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
