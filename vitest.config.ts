import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    // Vitest's default on a 2-core machine is one file at a time; the suites mostly wait on the
    // processes and databases they start (each has its own database, namespace and ports), so two
    // at once took the whole run from 364 s to 224 s here, all passing.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Fixture trees hold deliberately broken code for the architecture rules; they are data, not tests.
    exclude: ["**/node_modules/**", "test/architecture/fixtures/**"],
    // GitHub's workflow parser imports its JSON schema without an import attribute, which Node refuses: Vite loads it instead.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
    // In CI a JSON report as well, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".ci/test-results.json" }]] : ["default"],
  },
});
