/**
 * The two topologies the end-to-end suites run against, as real OS processes: everything in one
 * process on the embedded database, or one process per module plus a gateway over the real NATS
 * and PostgreSQL. Each gets its own data dir, database and bus namespace. The split one can kill
 * and restart any of its processes, for the fault tests.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { moduleNames, spawnBazaar, stopAll, waitUntilReady, type BazaarProcess } from "../../scripts/processes.ts";
import { BusIdentity } from "../../src/broker/bus-identity.ts";
import { createLogger } from "../../src/broker/logger.ts";
import { loadModuleKeys, publicKeysText, publicKeyText } from "../../src/broker/module-keys.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";

export const ADMIN = { email: "admin@bazaar.test", password: "admin-password-1" };
export const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

export interface Topology {
  name: string;
  baseUrl: string;
  /** The development key pair the processes generated, for minting tokens in tests. */
  signingKeyPem(): Promise<string>;
  stop(): Promise<void>;
}

export interface SplitTopology extends Topology {
  db: TestDatabase;
  namespace: string;
  /** The development bus secret the processes share (what a legitimate member signs with). */
  busSecret(): Promise<string>;
  /** A bus identity with every module's public key and the private keys of `modules` (none: the gateway's position). */
  identity(modules?: string[]): Promise<BusIdentity>;
  /** MODULE_PUBLIC_KEYS for the development keys the processes made. */
  publicKeys(): Promise<string>;
  /** Kills one process (a module name, "gateway", or a name `add…` answered) and answers its exit code once it is gone. */
  kill(name: string, signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts a killed process again with the same settings. */
  restart(name: string): void;
  /** Starts one more gateway on the same bus (e.g. to see another node's cache); it stops with the topology. */
  addGateway(env?: NodeJS.ProcessEnv): Promise<{ name: string; baseUrl: string }>;
  /** Starts one more process of a module, answers its name once its own readiness probe says so; it stops with the topology. */
  addModule(module: string): Promise<string>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Launch {
  baseUrl: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

async function prepare(name: string, extraEnv: NodeJS.ProcessEnv): Promise<Launch> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `bazaar-e2e-${name}-`));
  const port = await freePort();
  const env = {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "error",
    PORT: String(port),
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    HEARTBEAT_INTERVAL_S: "1",
    HEARTBEAT_TIMEOUT_S: "3",
    // The suites register hundreds of users from one address; the limit itself is tested on the gateway alone.
    REGISTRATION_LIMIT_PER_HOUR: "0",
    ...extraEnv,
  };
  return { baseUrl: `http://127.0.0.1:${port}`, dataDir, env };
}

function topologyOf(name: string, launch: Launch, stop: () => Promise<void>): Topology {
  return {
    name,
    baseUrl: launch.baseUrl,
    async signingKeyPem() {
      const keys = JSON.parse(await readFile(path.join(launch.dataDir, "keys/auth-ed25519.json"), "utf8")) as { privateKeyPem: string };
      return keys.privateKeyPem;
    },
    stop,
  };
}

async function readyOrStop(baseUrl: string, stop: () => Promise<void>): Promise<void> {
  try {
    await waitUntilReady(baseUrl);
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function startOneProcess(env: NodeJS.ProcessEnv = {}): Promise<Topology> {
  const launch = await prepare("one-process", env);
  const process = spawnBazaar("bazaar", launch.env);
  const stop = async () => {
    await stopAll([process]);
    await rm(launch.dataDir, { recursive: true, force: true });
  };
  await readyOrStop(launch.baseUrl, stop);
  return topologyOf("one-process", launch, stop);
}

/** `perProcess` adds settings for one process (a module name or "gateway"), e.g. its NATS user. */
export async function startSplit(env: NodeJS.ProcessEnv = {}, perProcess: (name: string) => NodeJS.ProcessEnv = () => ({})): Promise<SplitTopology> {
  const db = await createTestDatabase("e2e");
  const namespace = `e2e-${randomBytes(4).toString("hex")}`;
  const launch = await prepare("split", { NATS_URL, DATABASE_URL: db.url, BUS_NAMESPACE: namespace, ...env });
  const envOf = (name: string): NodeJS.ProcessEnv => ({
    ...launch.env,
    ...(name === "gateway" ? { MODULES: "none", GATEWAY: "1" } : { MODULES: name, GATEWAY: "0" }),
    ...perProcess(name),
  });
  const processes = new Map<string, BazaarProcess>();
  for (const name of [...moduleNames(), "gateway"]) processes.set(name, spawnBazaar(name, envOf(name)));
  const stop = async () => {
    await stopAll([...processes.values()]);
    await rm(launch.dataDir, { recursive: true, force: true });
    await db.drop();
  };
  await readyOrStop(launch.baseUrl, stop);
  return {
    ...topologyOf("split", launch, stop),
    db,
    namespace,
    busSecret: () => readFile(path.join(launch.dataDir, "keys/bus-secret"), "utf8"),
    identity: (modules = []) => busIdentityOf(launch.dataDir, modules),
    async publicKeys() {
      const keys = await Promise.all(moduleNames().map(async (module) => [module, publicKeyText(await readFile(path.join(launch.dataDir, `keys/module-${module}.key`), "utf8"))]));
      return publicKeysText(Object.fromEntries(keys));
    },
    async kill(name, signal = "SIGKILL") {
      const process = processes.get(name);
      if (!process) throw new Error(`no process ${name}`);
      process.child.kill(signal);
      return process.exited;
    },
    restart(name) {
      processes.set(name, spawnBazaar(name, envOf(name)));
    },
    async addGateway(env = {}) {
      const port = await freePort();
      const name = `gateway-${processes.size}`;
      processes.set(name, spawnBazaar(name, { ...envOf("gateway"), PORT: String(port), ...env }));
      const baseUrl = `http://127.0.0.1:${port}`;
      await waitUntilReady(baseUrl);
      return { name, baseUrl };
    },
    async addModule(module) {
      const opsPort = await freePort();
      const name = `${module}-${processes.size}`;
      processes.set(name, spawnBazaar(name, { ...envOf(module), OPS_PORT: String(opsPort) }));
      await waitUntilReady(`http://127.0.0.1:${opsPort}`);
      return name;
    },
  };
}

/** What a process with `modules` would prove on the bus of the processes that share `dataDir`. */
export async function busIdentityOf(dataDir: string, modules: string[] = []): Promise<BusIdentity> {
  const keys = await loadModuleKeys({ env: "test", dataDir, signingKeys: {}, publicKeys: {} }, modules, moduleNames());
  return new BusIdentity(keys, await readFile(path.join(dataDir, "keys/bus-secret"), "utf8"), createLogger("silent"));
}
