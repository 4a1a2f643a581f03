import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureOf, startModule, type ModuleHarness } from "../../../../test/support/module-harness.ts";
import { Identity } from "../contract.ts";
import { identityModule } from "../identity.service.ts";
import { pruneLoginFailures } from "../workers/prune-login-failures.worker.ts";

const { register, login, refresh, logout, me, jwks } = Identity.actions;
let harness: ModuleHarness;

beforeAll(async () => {
  harness = await startModule(identityModule, {
    env: { ADMIN_EMAIL: "Boss@Example.com", ADMIN_PASSWORD: "boss-password", LOGIN_MAX_FAILURES: "3" },
  });
});
afterAll(() => harness?.close());

describe("identity.register", () => {
  it("creates a customer with a trimmed, lower-cased email", async () => {
    const user = await harness.call(register, { email: "  Ada@Example.COM ", password: "correct horse", name: "Ada" });
    expect(user).toMatchObject({ email: "ada@example.com", name: "Ada", roles: ["customer"] });
    expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
  });

  it("stores only a salted Argon2id hash of the password", async () => {
    const [row] = await harness.db.query<{ password_hash: string }>("select password_hash from identity.users where email = $1", ["ada@example.com"]);
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row?.password_hash).not.toContain("correct horse");
  });

  it("refuses an email that is taken, whatever its case", async () => {
    const failure = await failureOf(harness.call(register, { email: "ADA@example.com", password: "another one", name: "Eve" }));
    expect(failure).toMatchObject({ status: 409, code: "email_taken" });
  });

  it("validates params inside the module, with JSON Pointer paths", async () => {
    const bad = { email: "a@b.co", password: 12345678, name: "", admin: true } as never;
    const failure = await failureOf(harness.call(register, bad));
    expect(failure).toMatchObject({ status: 400, code: "validation_failed" });
    expect((failure.data as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual(["/admin", "/name", "/password"]);
  });

  it("refuses an email longer than 254 characters once trimmed", async () => {
    const email = `${"a".repeat(250)}@b.co`;
    const failure = await failureOf(harness.call(register, { email, password: "long enough", name: "Long" }));
    expect(failure).toMatchObject({ status: 400, code: "validation_failed" });
    expect(await harness.db.query("select 1 from identity.users where email = $1", [email])).toHaveLength(0);
  });
});

describe("identity.login", () => {
  it("answers a bearer token that the published keys verify", async () => {
    const token = await harness.call(login, { email: "ADA@example.com ", password: "correct horse" });
    expect(token).toMatchObject({ tokenType: "Bearer", expiresIn: 900 });
    const user = await harness.auth.verify(token.accessToken);
    expect(user?.roles).toEqual(["customer"]);
    const { keys } = await harness.call(jwks, {});
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
  });

  it("answers the same for a wrong password and an unknown email", async () => {
    const wrong = await failureOf(harness.call(login, { email: "ada@example.com", password: "wrong" }));
    const unknown = await failureOf(harness.call(login, { email: "nobody@example.com", password: "wrong" }));
    expect(wrong).toEqual({ status: 401, code: "invalid_credentials", data: undefined });
    expect(unknown).toEqual(wrong);
  });

  it("refuses an email with LOGIN_MAX_FAILURES recent failures, even with the right password", async () => {
    await harness.call(register, { email: "bob@example.com", password: "bobs password", name: "Bob" });
    for (let i = 0; i < 3; i++) await failureOf(harness.call(login, { email: "bob@example.com", password: "guess" }));
    const limited = await failureOf(harness.call(login, { email: "bob@example.com", password: "bobs password" }));
    expect(limited.status).toBe(429);
    expect(limited.code).toBe("rate_limited");
    expect((limited.data as { retryAfterS: number }).retryAfterS).toBeGreaterThan(0);
  });

  it("does not count successful logins", async () => {
    await harness.call(register, { email: "cy@example.com", password: "cys password", name: "Cy" });
    for (let i = 0; i < 5; i++) {
      await expect(harness.call(login, { email: "cy@example.com", password: "cys password" })).resolves.toMatchObject({ tokenType: "Bearer" });
    }
  });
});

describe("identity.refresh and identity.logout", () => {
  const signIn = async () => {
    const email = `r-${Math.random().toString(36).slice(2)}@example.com`;
    await harness.call(register, { email, password: "refresh me", name: "R" });
    return harness.call(login, { email, password: "refresh me" });
  };
  const refused = async (refreshToken: string) => expect(await failureOf(harness.call(refresh, { refreshToken }))).toMatchObject({ status: 401, code: "invalid_refresh_token" });

  it("rotates: each token gives new tokens once, for the same user, and is stored only as a hash", async () => {
    const first = await signIn();
    expect(first.refreshExpiresIn).toBe(2_592_000);
    const second = await harness.call(refresh, { refreshToken: first.refreshToken });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const subject = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split(".")[1] as string, "base64url").toString()).sub;
    expect(subject(second.accessToken)).toBe(subject(first.accessToken));
    const stored = await harness.db.query<{ token_hash: string }>("select token_hash from identity.refresh_tokens");
    expect(stored.some((row) => row.token_hash.includes(first.refreshToken) || first.refreshToken.includes(row.token_hash))).toBe(false);
    expect(await harness.call(refresh, { refreshToken: second.refreshToken })).toHaveProperty("accessToken");
  });

  it("revokes the whole login when a used token comes back, so the newest stops working too", async () => {
    const first = await signIn();
    const second = await harness.call(refresh, { refreshToken: first.refreshToken });
    await refused(first.refreshToken);
    await refused(second.refreshToken);
  });

  it("lets only one of two concurrent uses of a token win, and then revokes the login", async () => {
    const { refreshToken } = await signIn();
    const outcomes = await Promise.allSettled([harness.call(refresh, { refreshToken }), harness.call(refresh, { refreshToken })]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const winner = outcomes.find((outcome) => outcome.status === "fulfilled") as PromiseFulfilledResult<{ refreshToken: string }>;
    await refused(winner.value.refreshToken);
  });

  it("refuses unknown and expired tokens", async () => {
    await refused("never-issued");
    const { refreshToken } = await signIn();
    await harness.db.query("update identity.refresh_tokens set expires_at = now() - interval '1 second' where used_at is null and revoked_at is null and created_at > now() - interval '5 seconds'");
    await refused(refreshToken);
  });

  it("signs out: the login's refresh tokens stop working, and an unknown token is fine", async () => {
    const first = await signIn();
    const second = await harness.call(refresh, { refreshToken: first.refreshToken });
    expect(await harness.call(logout, { refreshToken: first.refreshToken })).toEqual({});
    await refused(second.refreshToken);
    expect(await harness.call(logout, { refreshToken: "never-issued" })).toEqual({});
  });
});

describe("identity.me", () => {
  it("answers the caller's account", async () => {
    const token = await harness.call(login, { email: "ada@example.com", password: "correct horse" });
    const user = await harness.callWithToken(me, {}, token.accessToken);
    expect(user.email).toBe("ada@example.com");
  });

  it("refuses a missing, malformed or forged token", async () => {
    expect(await failureOf(harness.call(me, {}))).toMatchObject({ status: 401, code: "unauthorized" });
    expect(await failureOf(harness.callWithToken(me, {}, "not-a-jwt"))).toMatchObject({ status: 401 });
    const [header, payload] = (await harness.call(login, { email: "ada@example.com", password: "correct horse" })).accessToken.split(".");
    const admin = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload as string, "base64url").toString()), roles: ["admin"] })).toString("base64url");
    expect(await failureOf(harness.callWithToken(me, {}, `${header}.${admin}.forged`))).toMatchObject({ status: 401 });
    const none = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    expect(await failureOf(harness.callWithToken(me, {}, `${none}.${payload}.`))).toMatchObject({ status: 401 });
  });
});

describe("admin bootstrap", () => {
  it("creates the configured admin once", async () => {
    const rows = await harness.db.query<{ roles: string[] }>("select roles from identity.users where email = 'boss@example.com'");
    expect(rows).toEqual([{ roles: ["admin"] }]);
    const token = await harness.call(login, { email: "boss@example.com", password: "boss-password" });
    expect((await harness.auth.verify(token.accessToken))?.roles).toEqual(["admin"]);
  });
});

describe("identity.login under parallel guessing", () => {
  it("lets no more than LOGIN_MAX_FAILURES wrong guesses through, however many arrive at once", async () => {
    await harness.call(register, { email: "dee@example.com", password: "dees password", name: "Dee" });
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => failureOf(harness.call(login, { email: "dee@example.com", password: "guess" }))),
    );
    const checked = outcomes.filter((o) => o.code === "invalid_credentials").length;
    expect(checked).toBeLessThanOrEqual(3);
    expect(outcomes.filter((o) => o.code === "rate_limited").length).toBe(40 - checked);
  });
});

describe("login failure retention", () => {
  it("deletes failures older than their 15-minute window, and keeps the ones that still count", async () => {
    const insert = (minutesAgo: number) =>
      harness.db.query("insert into identity.login_failures (id, email, client_ip, failed_at) values (gen_random_uuid(), 'gone@example.com', null, now() - make_interval(mins => $1))", [minutesAgo]);
    await harness.db.query("delete from identity.login_failures");
    await insert(16);
    await insert(60 * 24);
    await insert(1);
    expect(await pruneLoginFailures(harness.runtime)).toBe(2);
    expect(await harness.db.query("select count(*)::int as n from identity.login_failures")).toEqual([{ n: 1 }]);
  });
});
