/**
 * The two topologies the end-to-end suite runs against, as real OS processes: everything in one
 * process on the embedded database, or one process per module plus a gateway over the real NATS
 * and PostgreSQL. Each gets its own data dir, database and bus namespace.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnBazaar, spawnSplit, stopAll, waitUntilReady, type BazaarProcess } from "../../scripts/processes.ts";
import { createTestDatabase } from "./postgres.ts";

export const ADMIN = { email: "admin@bazaar.test", password: "admin-password-1" };
export const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

export interface Topology {
  name: string;
  baseUrl: string;
  /** The development key pair the processes generated, for minting tokens in tests. */
  signingKeyPem(): Promise<string>;
  stop(): Promise<void>;
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

async function launch(name: string, spawnAll: (env: NodeJS.ProcessEnv) => BazaarProcess[], extraEnv: NodeJS.ProcessEnv, cleanup: () => Promise<void>) {
  const dataDir = await mkdtemp(path.join(tmpdir(), `bazaar-e2e-${name}-`));
  const port = await freePort();
  const processes = spawnAll({
    NODE_ENV: "test",
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "warn",
    PORT: String(port),
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    HEARTBEAT_INTERVAL_S: "1",
    HEARTBEAT_TIMEOUT_S: "3",
    ...extraEnv,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopAll(processes);
    await rm(dataDir, { recursive: true, force: true });
    await cleanup();
  };
  try {
    await waitUntilReady(baseUrl);
  } catch (error) {
    await stop();
    throw error;
  }
  const topology: Topology = {
    name,
    baseUrl,
    async signingKeyPem() {
      const keys = JSON.parse(await readFile(path.join(dataDir, "keys/auth-ed25519.json"), "utf8")) as { privateKeyPem: string };
      return keys.privateKeyPem;
    },
    stop,
  };
  return topology;
}

export function startOneProcess(): Promise<Topology> {
  return launch("one-process", (env) => [spawnBazaar("bazaar", env)], {}, async () => undefined);
}

export async function startSplit(): Promise<Topology> {
  const db = await createTestDatabase("e2e");
  return launch(
    "split",
    (env) => spawnSplit(env),
    { NATS_URL, DATABASE_URL: db.url, BUS_NAMESPACE: `e2e-${randomBytes(4).toString("hex")}` },
    () => db.drop(),
  );
}
