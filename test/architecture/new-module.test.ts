/**
 * `npm run new:module`, in a copy of this repository: the module it generates passes the type
 * check, the architecture rules, its own module test, the checks that follow the registry (deploy
 * files, NATS users, typed client) and the one-process end-to-end suite (the OpenAPI lint, the API
 * guide, every answer as documented), and outside its folders it changes only registration lines.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
let copy: string;

/** Runs a command in the copy; its output on failure says why. */
async function inCopy(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: copy, env: { ...process.env, CI: "", ...env }, maxBuffer: 64 * 2 ** 20 });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed: ${failed.message}\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`);
  }
}

beforeAll(async () => {
  copy = await mkdtemp(path.join(tmpdir(), "bazaar-new-module-"));
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root });
  // What is committed (and what is being changed but not yet committed), as a fresh checkout would have it.
  await Promise.all(stdout.split("\0").filter(Boolean).map((file) => cp(path.join(root, file), path.join(copy, file), { recursive: true }).catch(() => undefined)));
  await symlink(path.join(root, "node_modules"), path.join(copy, "node_modules"));
  await run("git", ["init", "-q"], { cwd: copy });
  await run("git", ["add", "-A"], { cwd: copy });
  await run("git", ["-c", "user.email=t@bazaar.test", "-c", "user.name=t", "commit", "-qm", "copy"], { cwd: copy });
}, 120_000);
afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
});

describe("npm run new:module -- <name>", () => {
  it("makes a module that passes the checks and its tests untouched, registered everywhere", async () => {
    await inCopy(process.execPath, ["scripts/new-module.ts", "shipping"]);
    const changed = (await inCopy("git", ["status", "--porcelain"])).split("\n").filter(Boolean).map((line) => line.slice(3)).sort();
    expect(changed).toEqual([
      "clients/typescript/src/schema.ts",
      "deploy/compose.split.yaml",
      "deploy/k8s/base/kustomization.yaml",
      "deploy/k8s/base/shipping.yaml",
      "deploy/k8s/overlays/dev/kustomization.yaml",
      "deploy/k8s/overlays/prod/kustomization.yaml",
      "deploy/nats/nats-server.conf",
      "deploy/prometheus/compose.yml",
      "docs/api.md",
      "docs/architecture.md",
      "src/gateway/routes/index.ts",
      "src/gateway/routes/shipping/",
      "src/modules/shipping/",
      "src/registry.ts",
    ]);
    const registry = await inCopy("git", ["diff", "-U0", "src/registry.ts", "src/gateway/routes/index.ts"]);
    expect(registry.split("\n").filter((line) => /^[-+][^-+]/.test(line)).sort()).toEqual([
      "+  { module: Shipping.name, contract: Shipping, routes: shippingRoutes },",
      "+export const registry = [identity, catalog, inventory, orders, payments, catering, shipping] as ModuleDefinition[];",
      "+import shipping from \"./modules/shipping/index.ts\";",
      "+import { Shipping } from \"../../modules/shipping/contract.ts\";",
      "+import { shippingRoutes } from \"./shipping/index.ts\";",
      "-export const registry = [identity, catalog, inventory, orders, payments, catering] as ModuleDefinition[];",
    ].sort());

    await inCopy("npx", ["tsc", "--noEmit", "-p", "."]);
    await inCopy("npx", ["depcruise", "src", "--config", ".dependency-cruiser.js"]);
    // The tests the new module touches, and of the end-to-end suite the API document's checks
    // (Redocly's rules, the guide covering every operation) and health, which see its routes; the
    // rest of that suite is about the other modules. Vitest's summary says "N failed |" before the
    // passed count when any failed (a test's own name may say "failed").
    const passed = async (args: string[], filtered = false) => {
      const out = (await inCopy("npx", ["vitest", "run", ...args])).replace(/\x1b\[[0-9;]*m/g, "");
      expect(out, args.join(" ")).toMatch(/Test Files\s+\d+ passed \(\d+\)/);
      expect(out, args.join(" ")).toMatch(filtered ? /Tests\s+\d+ passed \| \d+ skipped \(\d+\)/ : /Tests\s+\d+ passed \(\d+\)/);
    };
    await passed(["src/modules/shipping", "test/deploy", "test/clients", "test/architecture/module-entities.test.ts", "test/docs/architecture.test.ts"]);
    await passed(["test/e2e/one-process.e2e.test.ts", "-t", "operational endpoints"], true);
  }, 240_000);

  it("refuses a name that is taken, exists or cannot name a schema", async () => {
    for (const name of ["catalog", "gateway", "Shipping", "x", "ship-ping"]) {
      await expect(inCopy(process.execPath, ["scripts/new-module.ts", name]), name).rejects.toThrow(/module's name|taken|exists already/);
    }
  });
});
