/**
 * The typed client for bazaar's HTTP API: openapi-fetch over the types generated from the API's
 * OpenAPI document (schema.ts), so every path, parameter, body, answer and problem code is checked
 * by the compiler. It signs requests with the session's access token and, when one is refused
 * (expired), trades the refresh token for new ones and repeats the request once.
 *
 *   const shop = createClient("http://127.0.0.1:3000");
 *   await shop.signIn("ada@example.com", "correct horse");
 *   const { data, error } = await shop.POST("/v1/orders", { body: { items, paymentToken: "tok_visa" } });
 *   if (error) console.log(error.code); // "out_of_stock" | "product_unavailable" | ...
 */
import createFetchClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.ts";

export type { components, paths };
export type Product = components["schemas"]["Product"];
export type Order = components["schemas"]["Order"];
export type Payment = components["schemas"]["Payment"];
export type User = components["schemas"]["User"];
export type Problem = components["schemas"]["Problem"];

/** The tokens of a signed-in client. */
export interface Session {
  accessToken: string;
  refreshToken: string;
}

export interface ClientOptions {
  /** A session to start with (e.g. one kept from an earlier run). */
  session?: Session;
  /** Told of every new session (after sign-in or a refresh) and of sign-out (undefined), to keep it. */
  onSession?: (session: Session | undefined) => void;
  fetch?: typeof fetch;
}

export interface BazaarClient extends Client<paths> {
  /** The current session, if signed in. */
  readonly session: Session | undefined;
  /** Signs in; false when the email or password is wrong. */
  signIn(email: string, password: string): Promise<boolean>;
  /** Ends the login on the server and forgets the session. */
  signOut(): Promise<void>;
}

/** Where a token is neither needed nor wanted: the routes that make or end sessions. */
const ANONYMOUS = new Set(["/v1/auth/register", "/v1/auth/login", "/v1/auth/refresh", "/v1/auth/logout"]);

export function createClient(baseUrl: string, options: ClientOptions = {}): BazaarClient {
  const send = options.fetch ?? globalThis.fetch;
  const api = createFetchClient<paths>({ baseUrl, fetch: send });
  let session = options.session;
  const adopt = (next: Session | undefined) => {
    session = next;
    options.onSession?.(next);
  };
  // One refresh at a time: requests refused together wait for the same new tokens.
  let refreshing: Promise<boolean> | undefined;
  const refresh = (used: Session) =>
    (refreshing ??= (async () => {
      try {
        const { data } = await api.POST("/v1/auth/refresh", { body: { refreshToken: used.refreshToken } });
        adopt(data ? { accessToken: data.accessToken, refreshToken: data.refreshToken } : undefined);
        return data !== undefined;
      } finally {
        refreshing = undefined;
      }
    })());
  const copies = new WeakMap<Request, Request>();
  const auth: Middleware = {
    onRequest({ request, schemaPath }) {
      if (!session || ANONYMOUS.has(schemaPath)) return request;
      request.headers.set("authorization", `Bearer ${session.accessToken}`);
      copies.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      const copy = copies.get(request);
      if (response.status !== 401 || !copy || !session) return response;
      if (!(await refresh(session)) || !session) return response;
      copy.headers.set("authorization", `Bearer ${(session as Session).accessToken}`);
      return send(copy);
    },
  };
  api.use(auth);
  const client = api as BazaarClient;
  Object.defineProperty(client, "session", { get: () => session });
  client.signIn = async (email, password) => {
    const { data } = await api.POST("/v1/auth/login", { body: { email, password } });
    if (data) adopt({ accessToken: data.accessToken, refreshToken: data.refreshToken });
    return data !== undefined;
  };
  client.signOut = async () => {
    if (session) await api.POST("/v1/auth/logout", { body: { refreshToken: session.refreshToken } });
    adopt(undefined);
  };
  return client;
}
