import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const known = ["identity", "catalog"];
const PEM = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----";

describe("loadConfig", () => {
  it("defaults to everything in one process on the embedded database", () => {
    const config = loadConfig({}, known);
    expect(config).toMatchObject({ modules: known, gateway: true, host: "127.0.0.1", port: 3000, natsUrl: undefined, databaseUrl: undefined, namespace: "bazaar" });
    expect(config.rateLimit).toEqual({ max: 6000, windowS: 60, loginMaxFailures: 5, registrationsPerHour: 20 });
    expect(config.trustProxy).toBe(false);
    expect(config.behindTls).toBe(false);
  });

  it("runs a subset of modules without the gateway by default, over NATS", () => {
    const config = loadConfig({ MODULES: "catalog", NATS_URL: "nats://127.0.0.1:4222" }, known);
    expect(config).toMatchObject({ modules: ["catalog"], gateway: false });
    expect(loadConfig({ MODULES: "none", GATEWAY: "1", NATS_URL: "nats://h:4222" }, known).modules).toEqual([]);
  });

  it.each([
    [{ MODULES: "catalog,shipping", NATS_URL: "nats://h:4222" }, "unknown module(s) shipping"],
    [{ MODULES: "catalog" }, "needs NATS_URL"],
    [{ PORT: "80a" }, "PORT must be an integer"],
    [{ PORT: "70000" }, "PORT must be between"],
    [{ GATEWAY: "yes" }, "GATEWAY must be 1 or 0"],
    [{ DATABASE_URL: "mysql://h/db" }, "DATABASE_URL must use postgres:"],
    [{ NATS_URL: "not a url" }, "NATS_URL is not a valid URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL must be one of"],
    [{ ADMIN_EMAIL: "a@b.co" }, "ADMIN_PASSWORD is not"],
    [{ MODULES: "none", GATEWAY: "0", NATS_URL: "nats://h:4222" }, "runs nothing"],
    [{ NODE_ENV: "production" }, "requires AUTH_PRIVATE_KEY"],
    [{ BUS_NAMESPACE: "a b" }, "BUS_NAMESPACE"],
    [{ CORS_ORIGINS: "https://shop.example/path" }, "CORS_ORIGINS"],
    [{ BUS_SECRET: "short" }, "BUS_SECRET must be at least 32"],
    [{ NODE_ENV: "production", AUTH_PRIVATE_KEY: "k", AUTH_PUBLIC_KEYS: PEM, NATS_URL: "nats://h:4222", BUS_SECRET: "x".repeat(32) }, "requires NATS credentials"],
    [{ NODE_ENV: "production", AUTH_PRIVATE_KEY: "k", AUTH_PUBLIC_KEYS: PEM, NATS_URL: "nats://h:4222", NATS_TOKEN: "t" }, "requires BUS_SECRET"],
  ])("refuses %j with a message naming the problem", (env, message) => {
    expect(() => loadConfig(env, known)).toThrow(ConfigError);
    expect(() => loadConfig(env, known)).toThrow(message);
  });

  it("reads per-module database URLs and role passwords", () => {
    const config = loadConfig({ CATALOG_DATABASE_URL: "postgres://h/catalog", IDENTITY_DATABASE_PASSWORD: "s3cret" }, known);
    expect(config.moduleDatabaseUrls).toEqual({ catalog: "postgres://h/catalog" });
    expect(config.moduleDatabasePasswords).toEqual({ identity: "s3cret" });
  });
});

describe("commerce settings", () => {
  it("read the payment simulator knobs", () => {
    const config = loadConfig({ PAYMENTS_LATENCY_MS: "250", PAYMENTS_FAILURE_RATE: "0.25", PAYMENTS_RETRY_WINDOW_S: "30" }, known);
    expect(config.payments).toEqual({ latencyMs: 250, failureRate: 0.25, retryWindowS: 30 });
  });

  it.each(["1.5", "-0.1", "abc"])("refuse PAYMENTS_FAILURE_RATE=%s", (rate) => {
    expect(() => loadConfig({ PAYMENTS_FAILURE_RATE: rate }, known)).toThrow("PAYMENTS_FAILURE_RATE must be a number from 0 to 1");
  });
});

describe("production secrets", () => {
  const production = { NODE_ENV: "production", AUTH_PRIVATE_KEY: "k", AUTH_PUBLIC_KEYS: PEM, OPS_PORT: "9464" };
  it("keeps a gateway's metrics off the public port: OPS_PORT is required", () => {
    const { OPS_PORT: _ops, ...withoutOps } = production;
    const gateway = { ...withoutOps, MODULES: "none", GATEWAY: "1", NATS_URL: "tls://h:4222", NATS_TOKEN: "t", BUS_SECRET: "b".repeat(32) };
    expect(() => loadConfig(gateway, known)).toThrow("requires OPS_PORT on a gateway");
    expect(loadConfig({ ...gateway, OPS_PORT: "9464" }, known).opsPort).toBe(9464);
  });

  it("serves the console outside production, and in production only when CONSOLE=1", () => {
    const gateway = { ...production, MODULES: "none", GATEWAY: "1", NATS_URL: "tls://h:4222", NATS_TOKEN: "t", BUS_SECRET: "b".repeat(32) };
    expect(loadConfig(gateway, known).console).toBe(false);
    expect(loadConfig({ ...gateway, CONSOLE: "1" }, known).console).toBe(true);
    expect(loadConfig({ NODE_ENV: "development" }, known).console).toBe(true);
    expect(loadConfig({ NODE_ENV: "development", CONSOLE: "0" }, known).console).toBe(false);
  });

  it("refuses plain-text NATS to another host unless TLS is configured or plain text is allowed", () => {
    const gateway = { ...production, MODULES: "none", GATEWAY: "1", NATS_TOKEN: "t", BUS_SECRET: "b".repeat(32) };
    expect(() => loadConfig({ ...gateway, NATS_URL: "nats://nats.bazaar.svc:4222" }, known)).toThrow("refuses plain-text NATS to nats://nats.bazaar.svc:4222");
    expect(() => loadConfig({ ...gateway, NATS_URL: "tls://a:4222,nats://b:4222" }, known)).toThrow("refuses plain-text NATS");
    expect(loadConfig({ ...gateway, NATS_URL: "nats://nats.bazaar.svc:4222", NATS_TLS_CA_FILE: "/etc/ca.crt" }, known).nats.tlsCaFile).toBe("/etc/ca.crt");
    expect(loadConfig({ ...gateway, NATS_URL: "tls://a:4222,tls://b:4222" }, known).nats.tls).toBe(true);
    expect(loadConfig({ ...gateway, NATS_URL: "nats://nats.bazaar.svc:4222", NATS_ALLOW_PLAINTEXT: "1" }, known).natsAllowPlaintext).toBe(true);
    expect(loadConfig({ ...gateway, NATS_URL: "nats://127.0.0.1:4222" }, known).nats.tls).toBeUndefined();
    expect(loadConfig({ NODE_ENV: "development", NATS_URL: "nats://nats:4222" }, known).natsUrl).toBe("nats://nats:4222");
  });

  it("reads each module's signing key and MODULE_PUBLIC_KEYS, and refuses keys of unknown modules", () => {
    const config = loadConfig({ CATALOG_SIGNING_KEY: "c2lnbg==", MODULE_PUBLIC_KEYS: "catalog=cHViMQ==, identity=cHViMg==" }, known);
    expect(config.moduleSigningKeys).toEqual({ catalog: "c2lnbg==" });
    expect(config.modulePublicKeys).toEqual({ catalog: "cHViMQ==", identity: "cHViMg==" });
    expect(() => loadConfig({ MODULE_PUBLIC_KEYS: "nosuch=cHViMQ==" }, known)).toThrow("MODULE_PUBLIC_KEYS entry");
    expect(() => loadConfig({ MODULE_PUBLIC_KEYS: "catalog" }, known)).toThrow("MODULE_PUBLIC_KEYS entry");
  });
});
