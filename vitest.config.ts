import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
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
