import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Fixture trees hold deliberately broken code for the architecture rules; they are data, not tests.
    exclude: ["**/node_modules/**", "test/architecture/fixtures/**"],
  },
});
