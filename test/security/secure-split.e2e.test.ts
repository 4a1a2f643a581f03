/**
 * The whole split deployment under the shipped NATS configuration (deploy/nats/nats-server.conf):
 * every process connects as its own user with only its permissions, and a checkout still goes all
 * the way to paid, stock sold.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { moduleNames } from "../../scripts/processes.ts";
import { client } from "../e2e/http.ts";
import { ADMIN, freePort, startSplit, type SplitTopology } from "../support/topology.ts";

const CONFIG = path.resolve(import.meta.dirname, "../../deploy/nats/nats-server.conf");
const password = (user: string) => `${user}-secure-split-password`;

let server: ChildProcess;
let store: string;
let topology: SplitTopology;
const api = client(() => topology.baseUrl);

beforeAll(async () => {
  store = await mkdtemp(path.join(tmpdir(), "bazaar-secure-nats-"));
  const port = await freePort();
  const config = path.join(store, "nats-server.conf");
  await writeFile(config, (await readFile(CONFIG, "utf8")).replace(/store_dir: .*/, `store_dir: ${JSON.stringify(path.join(store, "js"))}`));
  const users = [...moduleNames(), "gateway"];
  const env = Object.fromEntries(users.map((user) => [`${user.toUpperCase()}_NATS_PASSWORD`, password(user)]));
  server = spawn("/usr/sbin/nats-server", ["-c", config, "-p", String(port)], { env: { ...process.env, ...env }, stdio: "ignore" });
  await new Promise((resolve) => setTimeout(resolve, 500));
  // The shipped permissions name the `bazaar` namespace.
  topology = await startSplit({ NATS_URL: `nats://127.0.0.1:${port}`, BUS_NAMESPACE: "bazaar" }, (name) => ({ NATS_USER: name, NATS_PASSWORD: password(name) }));
}, 120_000);
afterAll(async () => {
  await topology?.stop();
  server?.kill();
  await rm(store, { recursive: true, force: true });
});

describe("the split deployment under the shipped NATS permissions", () => {
  it("takes an order all the way to paid", async () => {
    const admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
    const product = await api("POST", "/v1/products", { token: admin, body: { sku: `S-${randomUUID().slice(0, 8)}`, name: "Secure", priceCents: 100, currency: "EUR" } });
    await api("PUT", `/v1/inventory/${product.body.id}`, { token: admin, body: { available: 5 } });
    const order = await api("POST", "/v1/orders", { token: admin, body: { items: [{ productId: product.body.id, quantity: 2 }], paymentToken: "tok_visa" } });
    expect(order.status).toBe(201);
    await vi.waitFor(async () => expect((await api("GET", `/v1/orders/${order.body.id}`, { token: admin })).body.status).toBe("paid"), { timeout: 15_000 });
    await vi.waitFor(async () => expect((await api("GET", `/v1/inventory/${product.body.id}`)).body).toMatchObject({ available: 3, reserved: 0, sold: 2 }));
  });
});
