/**
 * The README's shell blocks, run as written: what a new user types first must work. Each block is
 * run under the heading it stands in; a block under a heading this file does not know fails, so a
 * new block is run too. Left out, each for its reason: `npm install` (this suite runs in an
 * installed checkout), `npm test` (this suite is part of it) and `docker` (no engine here).
 *
 * Changed so that a run disturbs nothing else on the machine: port 3000 becomes a free one, and
 * the data dir, the bus namespace and the database are the test's own.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { freePort } from "../support/topology.ts";
import { moduleNames } from "../../scripts/processes.ts";

const root = path.resolve(import.meta.dirname, "../..");
const MODULES = moduleNames();
const NOT_RUN = [/^npm test\b/, /^docker\b/];
const SERVES = /(^|\s)(npm start|npm run start:split)$/;

/** The README's `sh` blocks by the heading above them, continuation lines joined, comments and blank lines dropped. */
async function shellBlocks(): Promise<Map<string, string[][]>> {
  const blocks = new Map<string, string[][]>();
  let heading = "";
  let block: string[] | undefined;
  for (const line of (await readFile(path.join(root, "README.md"), "utf8")).split("\n")) {
    if (block === undefined && line.startsWith("## ")) heading = line.slice(3).trim();
    else if (block === undefined && line.startsWith("```sh")) block = [];
    else if (block !== undefined && line.startsWith("```")) {
      const commands = block.join("\n").replaceAll("\\\n", " ").split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l && !l.startsWith("#"));
      blocks.set(heading, [...(blocks.get(heading) ?? []), commands]);
      block = undefined;
    } else if (block !== undefined) block.push(line);
  }
  return blocks;
}

interface Run {
  /** What the commands printed (stdout), and what the servers wrote to stderr. */
  output: string;
}

let db: TestDatabase;
let blocks: Map<string, string[][]>;
const scratch: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase("readme");
  blocks = await shellBlocks();
});
afterAll(async () => {
  await db?.drop();
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the commands in order: servers (`npm start`, `npm run start:split`) in the background, each
 * run of them awaited until the modules they run are up; the other commands in one bash script
 * (so `export` carries on), which must succeed. Servers stop at the end.
 */
async function runCommands(commands: string[]): Promise<Run> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), "bazaar-readme-"));
  scratch.push(dataDir);
  const { NATS_URL: _nats, DATABASE_URL: _db, BUS_NAMESPACE: _ns, BAZAAR_TOKEN: _token, ...inherited } = process.env;
  const env = { ...inherited, PORT: String(port), DATA_DIR: dataDir, BUS_NAMESPACE: `readme-${randomBytes(4).toString("hex")}`, LOG_LEVEL: "warn" };
  const local = (command: string) =>
    command
      .replace(/^npm install && /, "")
      .replaceAll(/(localhost|127\.0\.0\.1):3000\b/g, `127.0.0.1:${port}`)
      .replaceAll("127.0.0.1:5432/bazaar", new URL(db.url).host + new URL(db.url).pathname);
  const servers: ChildProcess[] = [];
  let output = "";
  const pending: string[] = [];
  const starting: string[] = [];
  const flushScript = async () => {
    if (pending.length === 0) return;
    const script = pending.splice(0).join("\n");
    output += await new Promise<string>((resolve, reject) =>
      execFile("bash", ["-euo", "pipefail", "-c", script], { cwd: root, env, timeout: 120_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${script}\nfailed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
    );
  };
  const awaitServers = async () => {
    if (starting.length === 0) return;
    const named = starting.flatMap((line) => /MODULES=(\S+)/.exec(line)?.[1]?.split(",") ?? MODULES).filter((m) => m !== "none");
    starting.length = 0;
    await untilUp(port, named, servers);
  };
  try {
    for (const command of commands.filter((c) => !NOT_RUN.some((skip) => skip.test(c))).map(local)) {
      if (SERVES.test(command)) {
        await flushScript();
        // Its own process group, so that npm and every process it started stop together.
        // start:split's database is the test's own (it would make one named bazaar).
        const own = command.includes("start:split") ? { ...env, DATABASE_URL: db.url } : env;
        const child = spawn("bash", ["-c", command], { cwd: root, env: own, detached: true, stdio: ["ignore", "ignore", "pipe"] });
        child.stderr?.on("data", (chunk) => (output += String(chunk)));
        servers.push(child);
        starting.push(command);
      } else {
        await awaitServers();
        pending.push(command);
      }
    }
    await awaitServers();
    await flushScript();
  } finally {
    await Promise.all(servers.map(stopGroup));
  }
  return { output };
}

async function untilUp(port: number, modules: string[], servers: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (servers.some((s) => s.exitCode !== null)) throw new Error("a server exited while starting");
    const states = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.json() as Promise<{ modules: Record<string, string> }>, () => undefined);
    if (states && modules.every((m) => states.modules[m] === "up")) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${modules.join(", ")} not up on port ${port} within 90 s`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid, "SIGTERM");
  const timer = setTimeout(() => process.kill(-(child.pid as number), "SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

function section(heading: string): string[][] {
  const found = blocks.get(heading);
  if (!found) throw new Error(`the README has no shell block under "${heading}"`);
  return found;
}

const KNOWN = ["Two commands", "Splitting it", "Tracing", "The console", "From a terminal"];

// Each test starts whole topologies (six processes on two cores beside another test file); it is
// bounded by untilUp's 90 s for a start, not by the default per-test timeout.
describe("the README's shell blocks", { timeout: 180_000 }, () => {
  it("are all known here, so that each is run", () => {
    expect([...blocks.keys()].sort()).toEqual([...KNOWN].sort());
  });

  it("Two commands: npm start serves the API on the embedded database, and the curl lines get answers", async () => {
    const { output } = await runCommands(section("Two commands").flat());
    expect(output).toContain('"status":"ok"');
    expect(output).toMatch(/"email":"ada@example.com"/);
  });

  it("Splitting it: npm run start:split, then the by-hand grouping with each process's own settings", async () => {
    const [commands] = section("Splitting it");
    const split = (commands ?? []).filter((c) => c.includes("start:split"));
    const byHand = (commands ?? []).filter((c) => !c.includes("start:split"));
    expect(split).toHaveLength(1);
    expect(byHand.length).toBeGreaterThanOrEqual(2);
    await runCommands(split);
    await runCommands(byHand);
  });

  it("Tracing: only its bazaar line runs here (the collector needs Docker)", async () => {
    const commands = section("Tracing").flat();
    expect(commands.some((c) => /^docker\b/.test(c))).toBe(true);
    await runCommands(commands);
  });

  it("The console: the admin's npm start serves /console", async () => {
    const commands = section("The console").flat();
    const { output } = await runCommands([...commands, "curl -sf 127.0.0.1:3000/console"]);
    expect(output).toContain("<title>");
  });

  it("From a terminal: npm run cli against npm run start:split", async () => {
    const { output } = await runCommands(section("From a terminal").flat());
    for (const module of MODULES) expect(output).toMatch(new RegExp(`^${module}\\s+up$`, "m"));
    expect(output).toMatch(/^\S+\s+catalog\s+pid \d+, up \d+ s, \d+ MB$/m);
    expect(output).toContain('"items"');
  });
});
