/**
 * The HTTP contract of docs/api.md for identity and catalog, run unchanged against every
 * topology. Each `describe` reads like the route it covers.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, type Topology } from "../support/topology.ts";
import { moduleNames } from "../../scripts/processes.ts";
import { client, isProblem } from "./http.ts";

export function apiSuite(topology: () => Topology) {
  const api = client(() => topology().baseUrl);
  const unique = () => randomUUID().slice(0, 8);
  let adminToken: string;

  async function signUp(): Promise<{ email: string; password: string; token: string; id: string }> {
    const email = `user-${unique()}@example.com`;
    const password = "a fine password";
    const registered = await api("POST", "/v1/auth/register", { body: { email, password, name: "Test User" } });
    expect(registered.status).toBe(201);
    const login = await api("POST", "/v1/auth/login", { body: { email, password } });
    expect(login.status).toBe(200);
    return { email, password, token: login.body.accessToken, id: registered.body.id };
  }

  beforeAll(async () => {
    const login = await api("POST", "/v1/auth/login", { body: ADMIN });
    expect(login.status).toBe(200);
    adminToken = login.body.accessToken;
  });

  describe("operational endpoints", () => {
    it("GET /health/live and /health/ready answer ok with every module up", async () => {
      expect((await api("GET", "/health/live")).body).toEqual({ status: "ok" });
      const ready = await api("GET", "/health/ready");
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: "ok", modules: Object.fromEntries(moduleNames().map((name) => [name, "up"])) });
    });

    it("GET /docs/json is an OpenAPI 3 document of the /v1 routes", async () => {
      const docs = await api("GET", "/docs/json");
      expect(docs.body.openapi).toMatch(/^3\./);
      expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(["/v1/auth/register", "/v1/products", "/v1/products/{id}"]));
      expect(docs.body.paths["/v1/products"].post.security).toEqual([{ bearerAuth: [] }]);
      expect(docs.body.paths["/v1/products/{id}"].get.security).toEqual([]);
      // Open to anyone, with a token for the admins' listing of inactive products.
      expect(docs.body.paths["/v1/products"].get.security).toEqual([{}, { bearerAuth: [] }]);
      expect((await api("GET", "/docs")).status).toBe(200);
    });

    it("GET /docs/json passes Redocly's recommended rules with no error and no warning", async () => {
      const docs = await api("GET", "/docs/json");
      const config = await createConfig({ extends: ["recommended"] });
      const problems = await lintFromString({ source: JSON.stringify(docs.body), absoluteRef: "/docs/json", config });
      expect(problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`)).toEqual([]);
    });

    it("docs/api.md, the API guide, covers every operation and every problem code of GET /docs/json", async () => {
      const guide = await readFile(path.join(import.meta.dirname, "../../docs/api.md"), "utf8");
      const { body } = await api("GET", "/docs/json");
      for (const [route, item] of Object.entries(body.paths as Record<string, Record<string, { responses: Record<string, any> }>>)) {
        for (const [method, operation] of Object.entries(item)) {
          expect(guide, `${method} ${route}`).toContain(`${method.toUpperCase()} ${route}`);
          for (const response of Object.values(operation.responses)) {
            for (const code of response.content?.["application/problem+json"]?.schema.allOf[1].properties.code.enum ?? []) expect(guide, code).toContain(`\`${code}\``);
          }
        }
      }
    });

    it("GET /docs/json names the shared schemas and documents every operation's problems", async () => {
      const { body } = await api("GET", "/docs/json");
      expect(Object.keys(body.components.schemas)).toEqual(expect.arrayContaining(["Product", "ProductPage", "Order", "User", "Problem", "ValidationProblem"]));
      const create = body.paths["/v1/products"].post.responses;
      expect(Object.keys(create)).toEqual(["201", "400", "401", "403", "409", "413", "415", "429", "500", "503"]);
      expect(create["409"].content["application/problem+json"].schema.allOf[1].properties.code.enum).toEqual(["sku_taken"]);
      expect(body.paths["/v1/products/{id}"].get.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Product" });
    });

    it("GET /.well-known/jwks.json publishes the EdDSA verification keys", async () => {
      const jwks = await api("GET", "/.well-known/jwks.json");
      expect(jwks.body.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(jwks.body.keys[0]).not.toHaveProperty("d");
    });

    it("echoes a sane x-request-id and replaces an insane one", async () => {
      const sane = await api("GET", "/v1/products", { headers: { "x-request-id": "req-1.a_B" } });
      expect(sane.headers.get("x-request-id")).toBe("req-1.a_B");
      const insane = await api("GET", "/v1/products", { headers: { "x-request-id": "no spaces/allowed" } });
      expect(insane.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect((await api("GET", "/nowhere")).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("sends security headers, no CORS grant by default, and a problem for oversized headers", async () => {
      const answer = await api("GET", "/v1/products", { headers: { origin: "https://evil.example" } });
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      expect(answer.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
      const huge = await api("GET", "/v1/products", { headers: { "x-padding": "x".repeat(20_000) } });
      expect(huge.status).toBe(431);
      expect(huge.headers.get("content-type")).toBe("application/problem+json");
      expect(huge.body).toMatchObject({ status: 431, code: "headers_too_large" });
    });

    it("GET / is a JSON index of the docs and health routes", async () => {
      const index = await api("GET", "/");
      expect(index.status).toBe(200);
      expect(index.body.links).toMatchObject({ docs: "/docs", openapi: "/docs/json", live: "/health/live", ready: "/health/ready" });
      for (const link of Object.values(index.body.links as Record<string, string>)) expect((await api("GET", link)).status, link).toBe(200);
    });

    it("sends no HSTS over plain HTTP unless BEHIND_TLS says clients come over HTTPS", async () => {
      expect((await api("GET", "/v1/products")).headers.get("strict-transport-security")).toBeNull();
    });

    it("answers unknown routes 404 and wrong methods 405, as problems", async () => {
      expect(isProblem(await api("GET", "/v1/nowhere"), 404, "not_found")).toBe(true);
      const wrongMethod = await api("PUT", "/v1/products");
      expect(isProblem(wrongMethod, 405, "method_not_allowed")).toBe(true);
      expect(wrongMethod.headers.get("allow")).toContain("POST");
    });
  });

  describe("POST /v1/auth/register", () => {
    it("creates a customer and refuses the email again in any case", async () => {
      const email = `New-${unique()}@Example.com`;
      const created = await api("POST", "/v1/auth/register", { body: { email: ` ${email} `, password: "12345678", name: "N" } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ email: email.toLowerCase(), name: "N", roles: ["customer"] });
      expect(created.body).not.toHaveProperty("passwordHash");
      const again = await api("POST", "/v1/auth/register", { body: { email: email.toUpperCase(), password: "12345678", name: "N" } });
      expect(isProblem(again, 409, "email_taken")).toBe(true);
    });

    it("answers bad input with a 400 naming each field, and stores nothing", async () => {
      const email = `bad-${unique()}@example.com`;
      const bad = await api("POST", "/v1/auth/register", { body: { email, password: "1234567", name: "", role: "admin" } });
      expect(isProblem(bad, 400, "validation_failed")).toBe(true);
      expect(bad.body.errors.sort((a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path))).toEqual([
        { path: "/name", message: "must be at least 1 character long" },
        { path: "/password", message: "must be at least 8 characters long" },
        { path: "/role", message: "is not an allowed property" },
      ]);
      for (const body of [{ email, password: 12345678, name: "N" }, { email, password: null, name: "N" }, [email], "text", null]) {
        expect(isProblem(await api("POST", "/v1/auth/register", { body }), 400, "validation_failed")).toBe(true);
      }
      const tooLong = { email, password: "x".repeat(129), name: "N" };
      expect(isProblem(await api("POST", "/v1/auth/register", { body: tooLong }), 400, "validation_failed")).toBe(true);
      // Nothing was stored: the email is still free.
      expect((await api("POST", "/v1/auth/register", { body: { email, password: "12345678", name: "N" } })).status).toBe(201);
    });

    it("counts string lengths in code points", async () => {
      const name = "😀".repeat(100);
      const ok = await api("POST", "/v1/auth/register", { body: { email: `cp-${unique()}@example.com`, password: "🔑".repeat(8), name } });
      expect(ok.status).toBe(201);
      expect(ok.body.name).toBe(name);
    });

    it("answers malformed JSON 400, other media types 415 and bodies over 1 MiB 413", async () => {
      const malformed = await api("POST", "/v1/auth/register", { rawBody: '{"email":', headers: { "content-type": "application/json" } });
      expect(isProblem(malformed, 400, "validation_failed")).toBe(true);
      const text = await api("POST", "/v1/auth/register", { rawBody: "email=a", headers: { "content-type": "text/plain" } });
      expect(isProblem(text, 415, "unsupported_media_type")).toBe(true);
      const form = await api("POST", "/v1/auth/register", { rawBody: "a=b", headers: { "content-type": "application/x-www-form-urlencoded" } });
      expect(isProblem(form, 415, "unsupported_media_type")).toBe(true);
      const huge = await api("POST", "/v1/auth/register", { body: { email: "a@b.co", password: "12345678", name: "x".repeat(1024 * 1024) } });
      expect(isProblem(huge, 413, "payload_too_large")).toBe(true);
      const charset = await api("POST", "/v1/auth/register", {
        rawBody: JSON.stringify({ email: `cs-${unique()}@example.com`, password: "12345678", name: "C" }),
        headers: { "content-type": "application/json; charset=utf-8" },
      });
      expect(charset.status).toBe(201);
    });

    it("refuses a body with more values than any valid one before parsing it, and still takes a long valid one", async () => {
      const user = await signUp();
      const tooMany = { items: Array.from({ length: 340_000 }, () => ({})), paymentToken: "tok_visa" };
      const refused = await api("POST", "/v1/orders", { body: tooMany, token: user.token, headers: { "idempotency-key": unique() } });
      expect(isProblem(refused, 400, "validation_failed")).toBe(true);
      expect(refused.body.errors).toEqual([{ path: "", message: "holds more values than any valid body" }]);
      // Strings may hold any number of braces and commas: they are not structure.
      const description = "{[,\\\",".repeat(600);
      const created = await api("POST", "/v1/products", { body: { sku: `S-${unique()}`, name: "{,[", description, priceCents: 1, currency: "EUR" }, token: adminToken });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.description).toBe(description);
    });

    it("lets every client read its 413, even while its oversized body is still being sent", async () => {
      // Closing the connection on an unread body resets it, and a client then sees a failed send
      // instead of the answer (about one in sixty here before the gateway drained such bodies).
      const body = { email: "a@b.co", password: "12345678", name: "x".repeat(1024 * 1024) };
      const answers = await Promise.all(Array.from({ length: 60 }, () => api("POST", "/v1/auth/register", { body })));
      expect(answers.every((answer) => isProblem(answer, 413, "payload_too_large"))).toBe(true);
    });
  });

  describe("POST /v1/auth/login", () => {
    it("answers the same 401 for a wrong password and an unknown email", async () => {
      const user = await signUp();
      const wrong = await api("POST", "/v1/auth/login", { body: { email: user.email, password: "not it" } });
      const unknown = await api("POST", "/v1/auth/login", { body: { email: `nobody-${unique()}@example.com`, password: "not it" } });
      expect(isProblem(wrong, 401, "invalid_credentials")).toBe(true);
      expect(unknown.body).toEqual(wrong.body);
    });

    it("answers 429 with Retry-After after repeated failures for one email", async () => {
      const user = await signUp();
      for (let i = 0; i < 5; i++) expect((await api("POST", "/v1/auth/login", { body: { email: user.email, password: "guess" } })).status).toBe(401);
      const limited = await api("POST", "/v1/auth/login", { body: { email: user.email, password: user.password } });
      expect(isProblem(limited, 429, "rate_limited")).toBe(true);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    });
  });

  describe("POST /v1/auth/refresh and /v1/auth/logout", () => {
    it("trades a refresh token for new tokens once, detects reuse, and signs out", async () => {
      const user = await signUp();
      const login = await api("POST", "/v1/auth/login", { body: { email: user.email, password: user.password } });
      expect(login.body).toMatchObject({ tokenType: "Bearer", refreshExpiresIn: 2_592_000 });
      const renewed = await api("POST", "/v1/auth/refresh", { body: { refreshToken: login.body.refreshToken } });
      expect(renewed.status).toBe(200);
      expect((await api("GET", "/v1/auth/me", { token: renewed.body.accessToken })).body.id).toBe(user.id);
      // The used token again: refused, and the login it belongs to is over, newest token included.
      expect(isProblem(await api("POST", "/v1/auth/refresh", { body: { refreshToken: login.body.refreshToken } }), 401, "invalid_refresh_token")).toBe(true);
      expect(isProblem(await api("POST", "/v1/auth/refresh", { body: { refreshToken: renewed.body.refreshToken } }), 401, "invalid_refresh_token")).toBe(true);
      const again = await api("POST", "/v1/auth/login", { body: { email: user.email, password: user.password } });
      const out = await api("POST", "/v1/auth/logout", { body: { refreshToken: again.body.refreshToken } });
      expect(out.status).toBe(204);
      expect(isProblem(await api("POST", "/v1/auth/refresh", { body: { refreshToken: again.body.refreshToken } }), 401, "invalid_refresh_token")).toBe(true);
      expect((await api("POST", "/v1/auth/logout", { body: { refreshToken: "never-issued" } })).status).toBe(204);
      expect(isProblem(await api("POST", "/v1/auth/refresh", { body: {} }), 400, "validation_failed")).toBe(true);
    });
  });

  describe("GET /v1/auth/me", () => {
    it("answers the signed-in user", async () => {
      const user = await signUp();
      const me = await api("GET", "/v1/auth/me", { token: user.token });
      expect(me.body).toMatchObject({ id: user.id, email: user.email, roles: ["customer"] });
    });

    it("refuses missing, malformed, expired, forged and unsigned tokens with 401", async () => {
      const user = await signUp();
      const key = createPrivateKey(await topology().signingKeyPem());
      const expired = await new SignJWT({ roles: ["admin"] })
        .setProtectedHeader({ alg: "EdDSA" })
        .setSubject(user.id)
        .setIssuer("bazaar")
        .setAudience("bazaar")
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(key);
      const stranger = generateKeyPairSync("ed25519").privateKey;
      const forged = await new SignJWT({ roles: ["admin"] })
        .setProtectedHeader({ alg: "EdDSA" })
        .setSubject(user.id)
        .setIssuer("bazaar")
        .setAudience("bazaar")
        .setExpirationTime("5m")
        .sign(stranger);
      const [, payload] = user.token.split(".");
      const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`;
      for (const token of [undefined, "garbage", expired, forged, unsigned]) {
        const refused = await api("GET", "/v1/auth/me", { token });
        expect(isProblem(refused, 401, "unauthorized")).toBe(true);
        expect(refused.headers.get("www-authenticate")).toBe("Bearer");
      }
      const basic = await api("GET", "/v1/auth/me", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
      expect(isProblem(basic, 401, "unauthorized")).toBe(true);
    });
  });

  describe("POST /v1/products", () => {
    it("lets an admin add a product, findable at once", async () => {
      const sku = `SKU-${unique()}`;
      const created = await api("POST", "/v1/products", {
        token: adminToken,
        body: { sku, name: `Gadget ${sku}`, priceCents: 1999, currency: "EUR", category: "gadgets" },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ sku, description: "", active: true, priceCents: 1999 });
      const found = await api("GET", `/v1/products?q=${sku.toLowerCase()}`);
      expect(found.body.items.map((p: { id: string }) => p.id)).toEqual([created.body.id]);
    });

    it("is 401 without a token and 403 for a customer, and stores nothing", async () => {
      const sku = `NOPE-${unique()}`;
      const body = { sku, name: "Nope", priceCents: 1, currency: "EUR" };
      expect(isProblem(await api("POST", "/v1/products", { body }), 401, "unauthorized")).toBe(true);
      const customer = await signUp();
      expect(isProblem(await api("POST", "/v1/products", { body, token: customer.token }), 403, "forbidden")).toBe(true);
      expect((await api("POST", "/v1/products", { body, token: adminToken })).status).toBe(201);
    });

    it("refuses a taken sku in any case, and invalid fields", async () => {
      const sku = `Dup-${unique()}`;
      const body = { sku, name: "Dup", priceCents: 1, currency: "EUR" };
      expect((await api("POST", "/v1/products", { body, token: adminToken })).status).toBe(201);
      const taken = await api("POST", "/v1/products", { body: { ...body, sku: sku.toUpperCase() }, token: adminToken });
      expect(isProblem(taken, 409, "sku_taken")).toBe(true);
      for (const bad of [
        { ...body, sku: "has space" },
        { ...body, sku: `${unique()}`, priceCents: "5" },
        { ...body, sku: `${unique()}`, priceCents: 1.5 },
        { ...body, sku: `${unique()}`, priceCents: -1 },
        { ...body, sku: `${unique()}`, currency: "eur" },
        { ...body, sku: `${unique()}`, name: "" },
        { ...body, sku: `${unique()}`, active: false },
      ]) {
        expect(isProblem(await api("POST", "/v1/products", { body: bad, token: adminToken }), 400, "validation_failed")).toBe(true);
      }
    });
  });

  describe("GET/PATCH/DELETE /v1/products/:id", () => {
    it("reads, changes and deactivates a product", async () => {
      const sku = `LIFE-${unique()}`;
      const created = await api("POST", "/v1/products", { token: adminToken, body: { sku, name: "Lamp", priceCents: 500, currency: "USD", category: sku } });
      const product = created.body;
      expect(created.headers.get("location")).toBe(`/v1/products/${product.id}`);
      expect((await api("GET", `/v1/products/${product.id}`)).body).toEqual(product);
      const patched = await api("PATCH", `/v1/products/${product.id}`, { token: adminToken, body: { priceCents: 450, description: "Warm light" } });
      expect(patched.body).toMatchObject({ priceCents: 450, description: "Warm light", sku });
      // Read through the gateway that made the change: its copy, if it keeps one, is gone already.
      expect((await api("GET", `/v1/products/${product.id}`)).body).toEqual(patched.body);
      expect(isProblem(await api("PATCH", `/v1/products/${product.id}`, { token: adminToken, body: {} }), 400, "validation_failed")).toBe(true);
      expect(isProblem(await api("PATCH", `/v1/products/${product.id}`, { token: adminToken, body: { sku: "NEW" } }), 400, "validation_failed")).toBe(true);
      const deleted = await api("DELETE", `/v1/products/${product.id}`, { token: adminToken });
      expect(deleted.status).toBe(204);
      expect((await api("DELETE", `/v1/products/${product.id}`, { token: adminToken })).status).toBe(204);
      expect((await api("GET", `/v1/products/${product.id}`)).body.active).toBe(false);
      expect((await api("GET", `/v1/products?category=${sku}`)).body.items).toEqual([]);
      const inactive = await api("GET", `/v1/products?active=false&category=${sku}`, { token: adminToken });
      expect(inactive.body.items.map((item: { id: string }) => item.id)).toEqual([product.id]);
      const activated = await api("POST", `/v1/products/${product.id}/activate`, { token: adminToken });
      expect(activated.status).toBe(200);
      expect(activated.body.active).toBe(true);
      expect((await api("GET", `/v1/products?category=${sku}`)).body.items.map((item: { id: string }) => item.id)).toEqual([product.id]);
      expect((await api("GET", `/v1/products/${product.id}`)).body.active).toBe(true);
    });

    it("lists inactive products and reactivates them for admins only", async () => {
      const customer = await signUp();
      expect(isProblem(await api("GET", "/v1/products?active=false"), 401, "unauthorized")).toBe(true);
      expect(isProblem(await api("GET", "/v1/products?active=false", { token: customer.token }), 403, "forbidden")).toBe(true);
      expect(isProblem(await api("GET", "/v1/products?active=maybe"), 400, "validation_failed")).toBe(true);
      expect((await api("GET", "/v1/products?active=true")).status).toBe(200);
      expect(isProblem(await api("POST", `/v1/products/${randomUUID()}/activate`, { token: customer.token }), 403, "forbidden")).toBe(true);
      expect(isProblem(await api("POST", `/v1/products/${randomUUID()}/activate`, { token: adminToken }), 404, "not_found")).toBe(true);
    });

    it("carries a strong ETag: If-None-Match with the current one is 304, after a change 200 with a new one", async () => {
      const { body: product } = await api("POST", "/v1/products", { token: adminToken, body: { sku: `TAG-${unique()}`, name: "Jar", priceCents: 300, currency: "EUR" } });
      const first = await api("GET", `/v1/products/${product.id}`);
      const tag = first.headers.get("etag") as string;
      expect(tag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(first.headers.get("cache-control")).toBe("public, no-cache");
      const unchanged = await api("GET", `/v1/products/${product.id}`, { headers: { "if-none-match": `"other", ${tag}` } });
      expect(unchanged.status).toBe(304);
      expect(unchanged.body).toBeUndefined();
      expect(unchanged.headers.get("etag")).toBe(tag);
      await api("PATCH", `/v1/products/${product.id}`, { token: adminToken, body: { priceCents: 350 } });
      const changed = await api("GET", `/v1/products/${product.id}`, { headers: { "if-none-match": tag } });
      expect(changed.status).toBe(200);
      expect(changed.body.priceCents).toBe(350);
      expect(changed.headers.get("etag")).not.toBe(tag);
    });

    it("is 404 for a well-formed unknown id and 400 for a malformed one", async () => {
      expect(isProblem(await api("GET", `/v1/products/${randomUUID()}`), 404, "not_found")).toBe(true);
      expect(isProblem(await api("GET", "/v1/products/not-a-uuid"), 400, "validation_failed")).toBe(true);
      // Longer than the router takes: still a malformed id, not an unknown route.
      expect(isProblem(await api("GET", `/v1/products/${"x".repeat(5_000)}`), 400, "validation_failed")).toBe(true);
      expect(isProblem(await api("POST", `/v1/orders/${"x".repeat(5_000)}/cancel`, { token: adminToken }), 400, "validation_failed")).toBe(true);
      expect(isProblem(await api("PATCH", `/v1/products/${randomUUID()}`, { token: adminToken, body: { name: "x" } }), 404, "not_found")).toBe(true);
    });
  });

  describe("GET /v1/products", () => {
    const category = `cat-${randomUUID().slice(0, 8)}`;
    const names = ["Dark Chocolate Bar", "Milk Chocolate", "Chocolate Chip Cookies", "Cocoa Powder", "Vanilla Pods"];

    beforeAll(async () => {
      for (const name of names) {
        const created = await api("POST", "/v1/products", {
          token: adminToken,
          body: { sku: `${category}-${unique()}`, name, description: `${name} from the ${category} shelf`, priceCents: 100, currency: "EUR", category },
        });
        expect(created.status).toBe(201);
      }
    });

    it("pages through a category with a stable order and ends with nextCursor null", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { status: number; body: { items: { name: string }[]; nextCursor: string | null } } = await api(
          "GET",
          `/v1/products?category=${category}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((p) => p.name));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual([...names].reverse());
      expect(pages).toBe(3);
    });

    it("matches words and a last-word prefix, case-insensitively", async () => {
      const search = async (q: string) =>
        (await api("GET", `/v1/products?category=${category}&q=${encodeURIComponent(q)}`)).body.items.map((p: { name: string }) => p.name).sort();
      expect(await search("choc")).toEqual(["Chocolate Chip Cookies", "Dark Chocolate Bar", "Milk Chocolate"]);
      expect(await search("CHOCOLATE co")).toEqual(["Chocolate Chip Cookies"]);
      expect(await search("vanilla")).toEqual(["Vanilla Pods"]);
      expect(await search("'; drop table products; --")).toEqual([]);
    });

    it("refuses bad limits, foreign cursors and unknown parameters, each at its /query pointer", async () => {
      const cases = { "limit=0": "/query/limit", "limit=101": "/query/limit", "limit=abc": "/query/limit", "cursor=bm90LWEtY3Vyc29y": "/query/cursor", "unknown=1": "/query/unknown", [`q=${"x".repeat(201)}`]: "/query/q" };
      for (const [query, path] of Object.entries(cases)) {
        const refused = await api("GET", `/v1/products?${query}`);
        expect(isProblem(refused, 400, "validation_failed"), query).toBe(true);
        expect(refused.body.errors.map((error: { path: string }) => error.path), query).toEqual([path]);
      }
    });
  });
}
