/**
 * Starting bazaar as OS processes: the whole split topology (one process per module plus the
 * gateway, over NATS) or a single process. Used by `npm run start:split` and by the end-to-end tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const MAIN = path.join(root, "src/main.ts");

/**
 * The V8 flags `npm start` runs bazaar with (package.json is their one home): every process started
 * from here runs with the same ones.
 */
export const NODE_FLAGS: string[] = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start
  .split(" ")
  .filter((word) => word.startsWith("--"));

/** Module names are their folder names under src/modules. */
export function moduleNames(): string[] {
  return readdirSync(path.join(root, "src/modules"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export interface BazaarProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

export function spawnBazaar(name: string, env: NodeJS.ProcessEnv, output: "inherit" | "ignore" | "pipe" = "inherit"): BazaarProcess {
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", output, output] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, child, exited };
}

/** One process per module (MODULES=<name>) and a gateway (MODULES=none), all sharing `env`. */
export function spawnSplit(env: NodeJS.ProcessEnv, output: "inherit" | "ignore" | "pipe" = "inherit"): BazaarProcess[] {
  const modules = moduleNames().map((name) => spawnBazaar(name, { ...env, MODULES: name, GATEWAY: "0" }, output));
  return [...modules, spawnBazaar("gateway", { ...env, MODULES: "none", GATEWAY: "1" }, output)];
}

/** Asks every process to stop gracefully, and kills the ones still running after `graceMs`. */
export async function stopAll(processes: BazaarProcess[], graceMs = 10_000): Promise<void> {
  for (const { child } of processes) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.all(
    processes.map(async ({ child, exited }) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** Polls `/health/ready` until it answers 200. */
export async function waitUntilReady(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`bazaar at ${baseUrl} was not ready within ${timeoutMs} ms: ${last}`);
}
