/**
 * The process as an operator meets it: it starts on the embedded database, refuses to share that
 * database with a second process, and stops cleanly on SIGTERM, releasing the lock.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { moduleNames, spawnBazaar, stopAll, waitUntilReady, type BazaarProcess } from "../../scripts/processes.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { freePort, NATS_URL } from "../support/topology.ts";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "bazaar-lifecycle-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

function output(process: BazaarProcess): () => string {
  let text = "";
  process.child.stdout?.on("data", (chunk) => (text += chunk));
  process.child.stderr?.on("data", (chunk) => (text += chunk));
  return () => text;
}

describe("npm start on the embedded database", () => {
  it("holds the data dir against a second process and releases it on SIGTERM", async () => {
    const env = { DATA_DIR: dataDir, LOG_LEVEL: "info" };
    const port = await freePort();
    const first = spawnBazaar("first", { ...env, PORT: String(port) }, "pipe");
    const firstOutput = output(first);
    try {
      await waitUntilReady(`http://127.0.0.1:${port}`);
      const second = spawnBazaar("second", { ...env, PORT: String(await freePort()) }, "pipe");
      const secondOutput = output(second);
      expect(await second.exited).toBe(1);
      expect(secondOutput()).toContain(`is in use by process ${first.child.pid}`);
      expect(existsSync(path.join(dataDir, "pglite.lock"))).toBe(true);
    } finally {
      await stopAll([first]);
    }
    expect(await first.exited).toBe(0);
    expect(firstOutput()).toContain("bazaar stopping");
    expect(existsSync(path.join(dataDir, "pglite.lock"))).toBe(false);
  });

  it("on SIGTERM answers readiness 503 at once, still serves through SHUTDOWN_DELAY_MS, then exits 0", async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const bazaar = spawnBazaar("draining", { DATA_DIR: dataDir, PORT: String(port), SHUTDOWN_DELAY_MS: "2000" }, "pipe");
    try {
      await waitUntilReady(baseUrl);
      const signalled = Date.now();
      bazaar.child.kill("SIGTERM");
      await vi.waitFor(async () => expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(503), { timeout: 1_000, interval: 50 });
      expect((await fetch(`${baseUrl}/v1/products?limit=1`)).status).toBe(200);
      expect(Date.now() - signalled).toBeLessThan(2_000);
      expect(await bazaar.exited).toBe(0);
      expect(Date.now() - signalled).toBeGreaterThanOrEqual(2_000);
    } finally {
      await stopAll([bazaar]);
    }
  });

  it("serves probes and metrics on OPS_PORT in a module process without the gateway", async () => {
    const db = await createTestDatabase("ops");
    const opsPort = await freePort();
    const catalog = spawnBazaar("catalog", { MODULES: "catalog", NATS_URL, DATABASE_URL: db.url, DATA_DIR: dataDir, OPS_PORT: String(opsPort), BUS_NAMESPACE: `ops-${opsPort}` }, "pipe");
    try {
      await waitUntilReady(`http://127.0.0.1:${opsPort}`);
      expect(await (await fetch(`http://127.0.0.1:${opsPort}/health/ready`)).json()).toEqual({ status: "ok", modules: { catalog: "up" } });
      expect(await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text()).toContain("process_cpu_user_seconds_total");
    } finally {
      await stopAll([catalog]);
      await db.drop();
    }
  });

  it("logs its start at once and where it is ready", async () => {
    const port = await freePort();
    const started = spawnBazaar("announced", { DATA_DIR: path.join(dataDir, "announced"), PORT: String(port), LOG_LEVEL: "info" }, "pipe");
    const text = output(started);
    try {
      await waitUntilReady(`http://127.0.0.1:${port}`);
      const messages = () => text().trim().split("\n").map((line) => JSON.parse(line).msg as string);
      expect(messages()[0]).toBe("bazaar starting");
      // The logger writes asynchronously: the line may reach the pipe just after readiness answers.
      await vi.waitFor(() => expect(messages()).toContain(`bazaar ready at http://127.0.0.1:${port}/docs`), { timeout: 5_000, interval: 50 });
    } finally {
      await stopAll([started]);
    }
  });

  it("says once which modules a gateway misses, however often readiness is probed", async () => {
    const port = await freePort();
    const gateway = spawnBazaar("lonely", { MODULES: "none", GATEWAY: "1", NATS_URL, BUS_NAMESPACE: `lonely-${port}`, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "info" }, "pipe");
    const text = output(gateway);
    try {
      const base = `http://127.0.0.1:${port}`;
      await vi.waitFor(async () => expect((await fetch(`${base}/health/live`)).status).toBe(200), { timeout: 20_000, interval: 100 });
      for (let probe = 0; probe < 20; probe++) {
        const ready = await fetch(`${base}/health/ready`);
        expect(ready.status).toBe(503);
        expect(((await ready.json()) as { modules: unknown }).modules).toEqual(Object.fromEntries(moduleNames().map((name) => [name, "down"])));
      }
    } finally {
      await stopAll([gateway]);
    }
    expect(text().match(/not ready: /g)).toHaveLength(1);
    expect(text()).not.toContain("is not registered");
  });

  it("refuses a bad configuration with a message naming the variable", async () => {
    const bad = spawnBazaar("bad", { DATA_DIR: dataDir, PORT: "eighty" }, "pipe");
    const text = output(bad);
    expect(await bad.exited).toBe(1);
    expect(text()).toContain("PORT must be an integer");
  });
});
