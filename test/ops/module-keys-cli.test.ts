/** `npm run cli -- module-keys`: what an operator makes a deployment's module keys with. */
import { execFile } from "node:child_process";
import { sign, verify } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadModuleKeys } from "../../src/broker/module-keys.ts";
import { modulePublicKeys } from "../../src/config.ts";
import { moduleNames } from "../../scripts/processes.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe("npm run cli -- module-keys", () => {
  it("prints a signing key per module and the public keys that pass production's checks", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["scripts/cli.ts", "module-keys"], { cwd: root });
    const lines = Object.fromEntries(stdout.trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
    const modules = moduleNames();
    expect(Object.keys(lines).sort()).toEqual([...modules.map((module) => `${module.toUpperCase()}_SIGNING_KEY`), "MODULE_PUBLIC_KEYS"].sort());
    const publicKeys = modulePublicKeys(lines.MODULE_PUBLIC_KEYS, modules);
    for (const module of modules) {
      const keys = await loadModuleKeys({ env: "production", dataDir: "/nonexistent", signingKeys: { [module]: lines[`${module.toUpperCase()}_SIGNING_KEY`] as string }, publicKeys }, [module], modules);
      // The pair holds: what the private key signs, the published key verifies.
      const signature = sign(null, Buffer.from("x"), keys.own.get(module) as never);
      expect(verify(null, Buffer.from("x"), keys.known.get(module) as never, signature), module).toBe(true);
    }
  });
});
