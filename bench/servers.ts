/**
 * The servers the bench measures, each started pinned to the servers' core: the HTTP ceiling, the
 * hand-written baseline, and bazaar in one process (PostgreSQL or embedded) or split over NATS.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { moduleNames, NODE_FLAGS } from "../scripts/processes.ts";
import { freePort } from "../test/support/topology.ts";
import { pinned } from "./probe.ts";
import { ADMIN } from "./seed.ts";

const root = path.resolve(import.meta.dirname, "..");
const MAIN = "src/main.ts";

export interface Server {
  name: string;
  baseUrl: string;
  /** The node processes that serve, for CPU time and memory. */
  pids: number[];
  /** From spawning to `/health/ready` (or the first answer) in ms. */
  readyMs: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  cpus: string | undefined;
  /** Server output goes here, one file per process. */
  logDir: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

interface Child {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

function launch(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, options: StartOptions): Child {
  const flags = script === MAIN ? NODE_FLAGS : [];
  const [command, argv] = pinned(options.cpus, process.execPath, [...flags, ...(options.nodeFlags ?? []), path.join(root, script), ...args]);
  const child = spawn(command, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(path.join(options.logDir, `${name}.log`), { flags: "a" });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { name, child, exited };
}

async function stopChildren(children: Child[]): Promise<void> {
  for (const { child } of children) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.all(children.map(async ({ child, exited }) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }));
}

async function serve(name: string, baseUrl: string, children: Child[], readyPath: string, started: number): Promise<Server> {
  try {
    await waitUntil(`${baseUrl}${readyPath}`, children);
  } catch (error) {
    await stopChildren(children);
    throw new Error(`${name} did not start: ${(error as Error).message}`);
  }
  return {
    name,
    baseUrl,
    pids: children.map(({ child }) => child.pid as number),
    readyMs: performance.now() - started,
    stop: () => stopChildren(children),
  };
}

/** Polls every 10 ms (start-up times are measured with it) until the URL answers, or 200 for a readiness probe. */
async function waitUntil(url: string, children: Child[], timeoutMs = 60_000): Promise<void> {
  const needsOk = url.endsWith("/health/ready");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (children.some(({ child }) => child.exitCode !== null)) throw new Error("a process exited during start-up");
    const status = await fetch(url).then((response) => response.status, () => 0);
    if (needsOk ? status === 200 : status > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
}

export async function startCeiling(options: StartOptions): Promise<Server> {
  const port = await freePort();
  const started = performance.now();
  const child = launch("ceiling", "bench/ceiling.ts", [String(port)], {}, options);
  return serve("HTTP ceiling", `http://127.0.0.1:${port}`, [child], "/v1/products/00000000-0000-4000-8000-000000000000", started);
}

export async function startBaseline(databaseUrl: string, poolMax: number, options: StartOptions): Promise<Server> {
  const port = await freePort();
  const started = performance.now();
  const child = launch("baseline", "bench/baseline.ts", [String(port), databaseUrl, String(poolMax)], {}, options);
  return serve("baseline (fastify + pg)", `http://127.0.0.1:${port}`, [child], "/v1/products/00000000-0000-4000-8000-000000000000", started);
}

export interface BazaarOptions extends StartOptions {
  name: string;
  /** `gateway`: a gateway alone, joining a split deployment's bus. */
  topology: "one-process" | "split" | "gateway";
  dataDir: string;
  /** Unset: the embedded database under dataDir. */
  databaseUrl?: string;
  natsUrl?: string;
  namespace?: string;
  env?: NodeJS.ProcessEnv;
  /** Split only: settings for one process (a module name or "gateway"). */
  perProcess?: (name: string) => NodeJS.ProcessEnv;
}

/**
 * Settings every bazaar process of the bench gets: the defaults, but rate limits no bench reaches,
 * and answers unchecked against their contracts as in production (a development-time check).
 */
export const BAZAAR_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: "development",
  LOG_LEVEL: "info",
  VALIDATE_RESULTS: "0",
  RATE_LIMIT_MAX: "10000000",
  REGISTRATION_LIMIT_PER_HOUR: "0",
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
};

export async function startBazaar(options: BazaarOptions): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...BAZAAR_ENV,
    PORT: String(port),
    DATA_DIR: options.dataDir,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.natsUrl ? { NATS_URL: options.natsUrl, BUS_NAMESPACE: options.namespace } : {}),
    ...options.env,
  };
  const started = performance.now();
  const children =
    options.topology === "one-process"
      ? [launch(options.name, MAIN, [], env, options)]
      : options.topology === "gateway"
        ? [launch(options.name, MAIN, [], { ...env, MODULES: "none", GATEWAY: "1" }, options)]
        : [...moduleNames(), "gateway"].map((name) =>
          launch(`${options.name}-${name}`, MAIN, [], {
            ...env,
            ...(name === "gateway" ? { MODULES: "none", GATEWAY: "1" } : { MODULES: name, GATEWAY: "0" }),
            ...options.perProcess?.(name),
          }, options),
        );
  return serve(options.name, `http://127.0.0.1:${port}`, children, "/health/ready", started);
}
