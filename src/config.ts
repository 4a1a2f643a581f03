/**
 * Every environment variable bazaar reads is parsed here, once, at start-up. A bad value stops the
 * process with a message naming the variable, rather than surfacing later as an odd failure.
 */
import { telemetryWanted } from "./telemetry-wanted.ts";
import { signingKeyEnv } from "./broker/module-keys.ts";
import { isIP } from "node:net";
import path from "node:path";

export type Environment = "development" | "test" | "production";

export interface Config {
  env: Environment;
  host: string;
  port: number;
  /** Probes and metrics for a process without the gateway; unset, none is served. */
  opsPort: number | undefined;
  /** Business modules this process runs (folder names under src/modules). */
  modules: string[];
  /** Whether this process serves HTTP. */
  gateway: boolean;
  /** The gateway serves the live console at /console (admins only); off in production unless CONSOLE=1. */
  console: boolean;
  /** Every action's answer checked against its contract's result schema (a mismatch is a 500 and a log line). */
  validateResults: boolean;
  logLevel: string;
  /** OpenTelemetry traces, when the standard OTEL_* settings ask for them (telemetry.ts). */
  telemetry: boolean;
  /**
   * After SIGTERM, how long readiness answers 503 while everything still serves, so that load
   * balancers stop sending requests here before the gateway stops taking them. (The other nodes on
   * the bus stop calling a module when its broker leaves, which comes after.)
   */
  shutdownDelayMs: number;
  /** Moleculer namespace and JetStream prefix. */
  namespace: string;
  natsUrl: string | undefined;
  /** Credentials and TLS for NATS; production refuses NATS without credentials. */
  /** `tls`: every NATS_URL is `tls://`, so TLS is required even with no file of ours (a public CA). */
  nats: { user?: string; password?: string; token?: string; credsFile?: string; tlsCaFile?: string; tlsCertFile?: string; tlsKeyFile?: string; tls?: boolean };
  /** Production refuses plain-text NATS beyond this host unless this is set (NATS_ALLOW_PLAINTEXT=1). */
  natsAllowPlaintext: boolean;
  /**
   * Seals (encrypts and authenticates) every bus packet and every durable event of this
   * deployment (at least 32 characters). Unset outside production: one is generated under DATA_DIR
   * for processes started together.
   */
  busSecret: string | undefined;
  /**
   * `<MODULE>_SIGNING_KEY`: the private key of each module this process runs (module-keys.ts), with
   * which it proves on the bus that it may serve the module and call as it. Never in a gateway.
   */
  moduleSigningKeys: Record<string, string>;
  /** MODULE_PUBLIC_KEYS (`catalog=<base64>,...`): every module's public key, for every process on the bus. */
  modulePublicKeys: Record<string, string>;
  /** Shared PostgreSQL URL; unset means the embedded PGlite cluster under `dataDir`. */
  databaseUrl: string | undefined;
  /** Per-module overrides from `<MODULE>_DATABASE_URL`. */
  moduleDatabaseUrls: Record<string, string>;
  /** `<MODULE>_DATABASE_PASSWORD`: the password provisioning gives each module's role. */
  moduleDatabasePasswords: Record<string, string>;
  databasePoolMax: number;
  /**
   * `module`: on PostgreSQL each module connects as its own role owning only its schema (provisioned
   * with DATABASE_URL's administrative user); `shared`: every module uses DATABASE_URL's user.
   */
  databaseRoles: "module" | "shared";
  /** Where development keys and the embedded database live. */
  dataDir: string;
  auth: {
    accessTokenTtlS: number;
    /** How long a refresh token (and so a login) lasts unused. */
    refreshTokenTtlS: number;
    /** PEM (PKCS#8) Ed25519 private key; required in production for the identity module. */
    privateKeyPem: string | undefined;
    /** PEM (SPKI) public keys that verify tokens, newest first; required in production. */
    publicKeyPems: string[];
  };
  /** Origins allowed to call the API from a browser (CORS); empty means none. */
  corsOrigins: string[];
  /** Clients reach the gateway over HTTPS (a TLS-terminating proxy in front), so HSTS is sent. */
  behindTls: boolean;
  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (rate limits, failed-login
   * counts): addresses, CIDR ranges or proxy-addr's names. false: none (direct clients).
   */
  trustProxy: false | string[];
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  /** Per client address; registrationsPerHour 0: no limit on registering (each costs an Argon2 hash). */
  rateLimit: { max: number; windowS: number; loginMaxFailures: number; registrationsPerHour: number };
  /** The gateway's copies of cacheable reads (0 s: none); see src/broker/read-cache.ts. */
  cache: { ttlS: number; maxEntries: number };
  broker: { requestTimeoutMs: number; heartbeatIntervalS: number; heartbeatTimeoutS: number };
  payments: { latencyMs: number; failureRate: number; retryWindowS: number };
  inventory: { reservationTtlS: number };
  /** `checkoutConcurrency`: checkouts at once per orders process, the rest wait in turn; 0, no limit. */
  orders: { pendingTimeoutS: number; checkoutConcurrency: number };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

function integer(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${key} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${key} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function fraction(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || value < 0 || value > 1) throw new ConfigError(`${key} must be a number from 0 to 1, got "${raw}"`);
  return value;
}

/**
 * TRUST_PROXY: unset, or a comma list of proxy addresses, CIDR ranges or proxy-addr's names
 * (loopback, linklocal, uniquelocal). Never a hop count or "everyone": those cannot tell a proxy
 * from a client who sends its own X-Forwarded-For.
 */
function trustedProxies(raw: string | undefined): false | string[] {
  if (!raw) return false;
  const entries = raw.split(",").map((entry) => entry.trim()).filter(Boolean);
  const isProxy = (entry: string) => {
    if (["loopback", "linklocal", "uniquelocal"].includes(entry)) return true;
    const [address = "", prefix, ...rest] = entry.split("/");
    const version = isIP(address);
    return version !== 0 && rest.length === 0 && (prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128)));
  };
  const bad = entries.find((entry) => !isProxy(entry));
  if (bad !== undefined || entries.length === 0) {
    throw new ConfigError(`TRUST_PROXY must be a comma list of proxy addresses, CIDR ranges, loopback, linklocal or uniquelocal, got "${bad ?? raw}"`);
  }
  return entries;
}

function oneOf<T extends string>(env: Env, key: string, values: readonly T[], fallback: T): T {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${key} must be one of ${values.join(", ")}, got "${raw}"`);
  return raw as T;
}

function flag(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new ConfigError(`${key} must be 1 or 0, got "${raw}"`);
}

function url(env: Env, key: string, protocols: string[]): string | undefined {
  const raw = env[key];
  if (raw === undefined || raw === "") return undefined;
  for (const part of raw.split(",")) {
    let parsed: URL;
    try {
      parsed = new URL(part.trim());
    } catch {
      throw new ConfigError(`${key} is not a valid URL`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(`${key} must use ${protocols.join(" or ")}, got ${parsed.protocol}`);
    }
  }
  return raw;
}

function parseModules(raw: string | undefined, known: readonly string[]): string[] {
  const value = (raw ?? "all").trim();
  if (value === "all" || value === "") return [...known];
  if (value === "none") return [];
  const wanted = [...new Set(value.split(",").map((name) => name.trim()).filter(Boolean))];
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(`MODULES names unknown module(s) ${unknown.join(", ")}; known: ${known.join(", ")}`);
  }
  return wanted;
}

function parseEnvironment(raw: string | undefined): Environment {
  if (raw === undefined || raw === "" || raw === "development") return "development";
  if (raw === "production" || raw === "test") return raw;
  throw new ConfigError(`NODE_ENV must be development, test or production, got "${raw}"`);
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Reads and validates the configuration; `knownModules` are the module folder names. */
export function loadConfig(env: Env, knownModules: readonly string[]): Config {
  const nodeEnv = parseEnvironment(env.NODE_ENV);
  const modules = parseModules(env.MODULES, knownModules);
  const allModules = modules.length === knownModules.length;
  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const namespace = env.BUS_NAMESPACE || "bazaar";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(namespace)) throw new ConfigError("BUS_NAMESPACE must be 1..64 of [A-Za-z0-9_-]");

  const moduleDatabaseUrls: Record<string, string> = {};
  const moduleDatabasePasswords: Record<string, string> = {};
  const moduleSigningKeys: Record<string, string> = {};
  for (const name of knownModules) {
    const signingKey = env[signingKeyEnv(name)];
    if (signingKey) moduleSigningKeys[name] = signingKey;
    const value = url(env, `${name.toUpperCase()}_DATABASE_URL`, ["postgres:", "postgresql:"]);
    if (value) moduleDatabaseUrls[name] = value;
    const password = env[`${name.toUpperCase()}_DATABASE_PASSWORD`];
    if (password) moduleDatabasePasswords[name] = password;
  }

  const config: Config = {
    env: nodeEnv,
    host: env.HOST || "127.0.0.1",
    port: integer(env, "PORT", 3000, 0, 65535),
    opsPort: env.OPS_PORT ? integer(env, "OPS_PORT", 0, 0, 65535) : undefined,
    modules,
    gateway: flag(env, "GATEWAY", allModules),
    console: flag(env, "CONSOLE", nodeEnv !== "production"),
    validateResults: flag(env, "VALIDATE_RESULTS", nodeEnv !== "production"),
    logLevel,
    telemetry: telemetryWanted(env),
    shutdownDelayMs: integer(env, "SHUTDOWN_DELAY_MS", nodeEnv === "production" ? 5_000 : 0, 0, 120_000),
    namespace,
    natsUrl: url(env, "NATS_URL", ["nats:", "tls:"]),
    nats: natsSettings(env),
    natsAllowPlaintext: flag(env, "NATS_ALLOW_PLAINTEXT", false),
    busSecret: env.BUS_SECRET || undefined,
    moduleSigningKeys,
    modulePublicKeys: modulePublicKeys(env.MODULE_PUBLIC_KEYS, knownModules),
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    moduleDatabaseUrls,
    moduleDatabasePasswords,
    databasePoolMax: integer(env, "DATABASE_POOL_MAX", 5, 1, 100),
    databaseRoles: oneOf(env, "DATABASE_ROLES", ["module", "shared"] as const, "module"),
    dataDir: path.resolve(env.DATA_DIR || ".data"),
    auth: {
      accessTokenTtlS: integer(env, "ACCESS_TOKEN_TTL_S", 900, 30, 86_400),
      refreshTokenTtlS: integer(env, "REFRESH_TOKEN_TTL_S", 2_592_000, 60, 31_536_000),
      privateKeyPem: env.AUTH_PRIVATE_KEY || undefined,
      publicKeyPems: env.AUTH_PUBLIC_KEYS ? splitPems(env.AUTH_PUBLIC_KEYS) : [],
    },
    corsOrigins: (env.CORS_ORIGINS ?? "").split(",").map((origin) => origin.trim()).filter(Boolean),
    behindTls: flag(env, "BEHIND_TLS", false),
    trustProxy: trustedProxies(env.TRUST_PROXY),
    adminEmail: env.ADMIN_EMAIL || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    rateLimit: {
      max: integer(env, "RATE_LIMIT_MAX", 6000, 0, 10_000_000),
      windowS: integer(env, "RATE_LIMIT_WINDOW_S", 60, 1, 86_400),
      loginMaxFailures: integer(env, "LOGIN_MAX_FAILURES", 5, 1, 1000),
      registrationsPerHour: integer(env, "REGISTRATION_LIMIT_PER_HOUR", 20, 0, 1_000_000),
    },
    cache: {
      ttlS: integer(env, "CACHE_TTL_S", nodeEnv === "production" ? 30 : 0, 0, 86_400),
      maxEntries: integer(env, "CACHE_MAX_ENTRIES", 10_000, 1, 10_000_000),
    },
    broker: brokerSettings(env),
    payments: {
      latencyMs: integer(env, "PAYMENTS_LATENCY_MS", 0, 0, 60_000),
      failureRate: fraction(env, "PAYMENTS_FAILURE_RATE", 0),
      retryWindowS: integer(env, "PAYMENTS_RETRY_WINDOW_S", 900, 1, 86_400),
    },
    // Longer than the payment retry window, so a reservation outlives every payment attempt.
    inventory: { reservationTtlS: integer(env, "RESERVATION_TTL_S", 1800, 5, 7 * 86_400) },
    orders: {
      pendingTimeoutS: integer(env, "ORDERS_PENDING_TIMEOUT_S", 60, 2, 3600),
      checkoutConcurrency: integer(env, "ORDERS_CHECKOUT_CONCURRENCY", 0, 0, 10_000),
    },
  };
  checkCombination(config, knownModules.length);
  return config;
}

/** How a broker waits for answers and notices departed nodes; also for tools that join the bus. */
export function brokerSettings(env: Env): Config["broker"] {
  return {
    requestTimeoutMs: integer(env, "REQUEST_TIMEOUT_MS", 10_000, 100, 300_000),
    heartbeatIntervalS: integer(env, "HEARTBEAT_INTERVAL_S", 2, 1, 60),
    heartbeatTimeoutS: integer(env, "HEARTBEAT_TIMEOUT_S", 6, 2, 300),
  };
}

/** NATS credentials and TLS files (NATS_USER, NATS_PASSWORD, ...); also for tools that join no bus. */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function natsSettings(env: Env): Config["nats"] {
  return Object.fromEntries(
    Object.entries({
      user: env.NATS_USER,
      password: env.NATS_PASSWORD,
      token: env.NATS_TOKEN,
      credsFile: env.NATS_CREDS_FILE,
      tlsCaFile: env.NATS_TLS_CA_FILE,
      tlsCertFile: env.NATS_TLS_CERT_FILE,
      tlsKeyFile: env.NATS_TLS_KEY_FILE,
      tls: env.NATS_URL?.split(",").every((server) => server.trim().startsWith("tls://")),
    }).filter(([, value]) => value),
  );
}

/** MODULE_PUBLIC_KEYS: `catalog=<base64>,orders=<base64>`, for known modules only. */
export function modulePublicKeys(raw: string | undefined, knownModules: readonly string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const entry of (raw ?? "").split(",").map((part) => part.trim()).filter(Boolean)) {
    const at = entry.indexOf("=");
    const [module, key] = [entry.slice(0, at), entry.slice(at + 1)];
    if (!knownModules.includes(module) || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
      throw new ConfigError(`MODULE_PUBLIC_KEYS entry "${entry.slice(0, 40)}" is not <module>=<base64 key> of a known module`);
    }
    keys[module] = key;
  }
  return keys;
}

function splitPems(raw: string): string[] {
  return raw.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
}

function checkCombination(config: Config, knownCount: number): void {
  if (config.adminEmail && !config.adminPassword) throw new ConfigError("ADMIN_EMAIL is set but ADMIN_PASSWORD is not");
  const adminPasswordLength = config.adminPassword ? [...config.adminPassword].length : 8;
  if (adminPasswordLength < 8 || adminPasswordLength > 128) throw new ConfigError("ADMIN_PASSWORD must be 8..128 characters");
  if (config.broker.heartbeatTimeoutS <= config.broker.heartbeatIntervalS) {
    throw new ConfigError("HEARTBEAT_TIMEOUT_S must be greater than HEARTBEAT_INTERVAL_S");
  }
  if (!config.gateway && config.modules.length === 0) throw new ConfigError("MODULES=none with GATEWAY=0 runs nothing");
  if (config.natsUrl === undefined && config.modules.length !== knownCount) {
    throw new ConfigError("running only some modules (MODULES) needs NATS_URL to reach the others");
  }
  for (const origin of config.corsOrigins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) throw new ConfigError(`CORS_ORIGINS entry "${origin}" is not an origin like https://shop.example`);
  }
  if (config.busSecret !== undefined && config.busSecret.length < 32) throw new ConfigError("BUS_SECRET must be at least 32 characters");
  if (config.nats.user && !config.nats.password) throw new ConfigError("NATS_USER is set but NATS_PASSWORD is not");
  // Production never generates a secret: each must be given, so no process runs on development keys.
  if (config.env === "production") {
    if (config.modules.includes("identity") && !config.auth.privateKeyPem) {
      throw new ConfigError("NODE_ENV=production requires AUTH_PRIVATE_KEY for the identity module");
    }
    if (config.auth.publicKeyPems.length === 0) throw new ConfigError("NODE_ENV=production requires AUTH_PUBLIC_KEYS");
    if (config.natsUrl && !config.nats.user && !config.nats.token && !config.nats.credsFile) {
      throw new ConfigError("NODE_ENV=production with NATS_URL requires NATS credentials (NATS_USER/NATS_PASSWORD, NATS_TOKEN or NATS_CREDS_FILE)");
    }
    if (config.natsUrl && !config.busSecret) throw new ConfigError("NODE_ENV=production with NATS_URL requires BUS_SECRET");
    // Packets and events are sealed, but NATS credentials and the subjects (who calls what) are not.
    const { tlsCaFile, tlsCertFile, tls } = config.nats;
    const remote = config.natsUrl?.split(",").find((server) => !LOOPBACK.has(new URL(server.trim()).hostname));
    if (remote && !tlsCaFile && !tlsCertFile && !tls && !config.natsAllowPlaintext) {
      throw new ConfigError(`NODE_ENV=production refuses plain-text NATS to ${remote}: use tls:// or NATS_TLS_CA_FILE (or set NATS_ALLOW_PLAINTEXT=1 where the network itself is trusted)`);
    }
    if (config.gateway && config.opsPort === undefined) {
      throw new ConfigError("NODE_ENV=production requires OPS_PORT on a gateway: its /metrics is served there, not to the internet");
    }
  }
}
