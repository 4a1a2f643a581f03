/**
 * The dependency-cruiser rules are code too: each must fire on a fixture that breaks it, stay quiet
 * on one that obeys them all, and the real tree must be cruised (not silently skipped) and clean.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const fixtures = path.join(import.meta.dirname, "fixtures");

interface CruiseResult {
  summary: { totalCruised: number; violations: { rule: { name: string }; from: string; to: string }[] };
}

async function cruise(cwd: string): Promise<CruiseResult> {
  const bin = path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruiser.mjs");
  const config = path.join(root, ".dependency-cruiser.js");
  // depcruise exits non-zero when it finds violations; the JSON report is what we read either way.
  const { stdout } = await run(process.execPath, [bin, "src", "--config", config, "--output-type", "json"], { cwd }).catch(
    (error: { stdout: string }) => ({ stdout: error.stdout }),
  );
  return JSON.parse(stdout) as CruiseResult;
}

const rules = [
  "module-reaches-into-another",
  "contract-imports-beyond-kit",
  "gateway-imports-module-internals",
  "module-index-outside-registry",
  "broker-imports-module",
  "no-circular",
  "not-to-unresolvable",
];

describe("dependency rules", () => {
  it.each(rules)("%s fires on a fixture that breaks it, and only it fires", async (rule) => {
    const { summary } = await cruise(path.join(fixtures, rule));
    expect(summary.totalCruised).toBeGreaterThan(0);
    expect(new Set(summary.violations.map((v) => v.rule.name))).toEqual(new Set([rule]));
  });

  it("stay quiet on a fixture that obeys them all", async () => {
    const { summary } = await cruise(path.join(fixtures, "compliant"));
    expect(summary.totalCruised).toBe(7);
    expect(summary.violations).toEqual([]);
  });

  it("cruise the real source tree and find it clean", async () => {
    const { summary } = await cruise(root);
    // dependency-cruiser cruises 0 modules (and reports success) when it cannot use the TypeScript compiler.
    expect(summary.totalCruised).toBeGreaterThan(50);
    expect(summary.violations).toEqual([]);
  });
});
