/**
 * The whole split deployment under the shipped NATS configuration (deploy/nats/nats-server.conf):
 * every process connects as its own user with only its permissions, and a checkout still goes all
 * the way to paid, stock sold; and `npm run cli` joins that bus as the `ops` user.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { moduleNames } from "../../scripts/processes.ts";
import { client } from "../e2e/http.ts";
import { startShippedNats, type ShippedNats } from "../support/nats-server.ts";
import { ADMIN, startSplit, type SplitTopology } from "../support/topology.ts";

let nats: ShippedNats;
let topology: SplitTopology;
const api = client(() => topology.baseUrl);

beforeAll(async () => {
  nats = await startShippedNats();
  // The shipped permissions name the `bazaar` namespace.
  topology = await startSplit({ NATS_URL: nats.url, BUS_NAMESPACE: "bazaar" }, (name) => ({ NATS_USER: name, NATS_PASSWORD: nats.password(name) }));
}, 120_000);
afterAll(async () => {
  await topology?.stop();
  await nats?.stop();
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

const CLI = path.resolve(import.meta.dirname, "../../scripts/cli.ts");

/** Runs `npm run cli -- ...args` as the ops user of the shipped NATS config; never throws, answers what it printed and its exit code. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { NATS_URL: _nats, DATABASE_URL: _db, BAZAAR_TOKEN: _token, ...inherited } = process.env;
  const settings = { ...inherited, NATS_URL: nats.url, BUS_NAMESPACE: "bazaar", NATS_USER: "ops", NATS_PASSWORD: nats.password("ops"), BUS_SECRET: await topology.busSecret(), MODULE_PUBLIC_KEYS: await topology.publicKeys(), LOG_LEVEL: "silent", ...env };
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: settings }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    child.stdin?.end(input ?? "");
  });
}

// Each CLI run is a Node process that joins the bus (2-3 s alone); beside other test files a test of
// five runs took over 20 s.
describe("npm run cli, joining the split deployment's bus as the ops user", { timeout: 60_000 }, () => {
  it("lists every node with its modules, and with an admin token what each process is", async () => {
    const plain = await cli(["nodes"]);
    expect(plain.code).toBe(0);
    const lines = plain.stdout.trim().split("\n");
    expect(lines).toHaveLength(moduleNames().length + 1);
    for (const module of moduleNames()) expect(lines.filter((line) => line.includes(` ${module} `) || line.trimEnd().endsWith(` ${module}`))).toHaveLength(1);

    const token = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken as string;
    const detailed = await cli(["nodes", "--json"], { BAZAAR_TOKEN: token });
    const nodes = detailed.stdout.trim().split("\n").map((line) => JSON.parse(line) as { modules: string[]; gateway?: boolean; pid?: number; unanswered?: string });
    expect(nodes).toHaveLength(moduleNames().length + 1);
    expect(nodes.filter((node) => node.gateway)).toHaveLength(1);
    for (const node of nodes) expect(node).toMatchObject({ pid: expect.any(Number) });
    // Without admin rights $ops answers nobody: a customer's token gets each node's refusal.
    const customer = (await api("POST", "/v1/auth/register", { body: { email: `cli-${randomUUID()}@bazaar.test`, password: "customer-password" } })).body;
    const refused = await cli(["nodes", "--json", `--token=${(await api("POST", "/v1/auth/login", { body: { email: customer.email, password: "customer-password" } })).body.accessToken}`]);
    for (const line of refused.stdout.trim().split("\n")) expect(JSON.parse(line)).toMatchObject({ unanswered: expect.any(String) });
  });

  it("tells the health of every module, signs in and calls actions as the token's user", async () => {
    const health = await cli(["health", "--json"]);
    expect(health.code).toBe(0);
    expect(JSON.parse(health.stdout)).toEqual(Object.fromEntries(moduleNames().map((name) => [name, "up"])));

    const login = await cli(["login", ADMIN.email], {}, `${ADMIN.password}\n`);
    expect(login.code).toBe(0);
    const token = login.stdout.trim();
    expect(token.split(".")).toHaveLength(3);

    const sku = `CLI-${randomUUID().slice(0, 8)}`;
    const created = await cli(["call", "catalog.createProduct", JSON.stringify({ sku, name: "From the terminal", priceCents: 250, currency: "EUR" })], { BAZAAR_TOKEN: token });
    expect(created.code).toBe(0);
    const product = JSON.parse(created.stdout) as { id: string; sku: string };
    expect(product.sku).toBe(sku);
    expect((await api("GET", `/v1/products/${product.id}`)).body).toMatchObject({ sku, name: "From the terminal" });

    // The module decides, as for any call: no token, no admin action; bad params, a validation problem.
    const anonymous = await cli(["call", "catalog.createProduct", JSON.stringify({ sku: `${sku}-2`, name: "x", priceCents: 1, currency: "EUR" })]);
    expect(anonymous).toMatchObject({ code: 1, stderr: expect.stringContaining("401 unauthorized") });
    const invalid = await cli(["call", "catalog.getProduct", JSON.stringify({ id: "not-a-uuid" })]);
    expect(invalid).toMatchObject({ code: 1, stderr: expect.stringContaining("400 validation_failed") });
    expect(await cli(["call", "catalog.noSuchAction"])).toMatchObject({ code: 1, stderr: expect.stringContaining("no node on the bus offers catalog.noSuchAction") });
  });

  it("sees nothing of the bus with another deployment's BUS_SECRET", async () => {
    const outsider = await cli(["nodes"], { BUS_SECRET: "another-deployments-secret-of-32-chars" });
    expect(outsider).toMatchObject({ code: 0, stdout: "" });
    expect(await cli(["call", "catalog.getProduct", JSON.stringify({ id: randomUUID() })], { BUS_SECRET: "another-deployments-secret-of-32-chars" })).toMatchObject({ code: 1, stderr: expect.stringContaining("no node on the bus offers") });
  });
});

describe("Moleculer's internal services", () => {
  it("are off: a node that holds the bus secret cannot ask another for its settings (NATS password included)", async () => {
    const { createBroker } = await import("../../src/broker/create-broker.ts");
    const { createLogger } = await import("../../src/broker/logger.ts");
    const insider = createBroker({
      namespace: "bazaar",
      owner: "ops",
      natsUrl: nats.url,
      nats: nats.login("ops"),
      busSecret: await topology.busSecret(),
      identity: await topology.identity(),
      logger: createLogger("silent"),
      logLevel: "silent",
      requestTimeoutMs: 2_000,
      heartbeatIntervalS: 1,
      heartbeatTimeoutS: 3,
    });
    await insider.start();
    try {
      await vi.waitFor(() => expect(insider.registry.actions.isAvailable("orders.getOrder")).toBe(true), { timeout: 10_000 });
      const orders = (insider.registry.getNodeList({ onlyAvailable: true, withServices: true }) as unknown as { id: string; services: { name: string }[] }[])
        .find((node) => node.services.some((service) => service.name === "orders"));
      expect(orders).toBeDefined();
      expect(orders?.services.map((service) => service.name)).not.toContain("$node");
      await expect(insider.call("$node.options", {}, { nodeID: orders?.id })).rejects.toMatchObject({ name: "ServiceNotFoundError" });
    } finally {
      await insider.stop();
    }
  });
});
