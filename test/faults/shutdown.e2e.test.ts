/**
 * SIGTERM under a steady checkout load, in the split topology: each kind of process on the
 * checkout's path (the gateway, catalog, inventory, orders, payments) is stopped while another
 * process of its kind carries on, as in a rolling update. The load goes through a balancer that,
 * like Kubernetes' endpoints, sends requests only to gateways whose readiness answered 200 at its
 * last look (every half second). No request may fail, the stopped process must exit 0 within its grace
 * period, and every accepted order must end paid.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { client } from "../e2e/http.ts";
import { ADMIN, startSplit, type SplitTopology } from "../support/topology.ts";

const SHUTDOWN_DELAY_MS = Number(process.env.SHUTDOWN_TEST_DELAY_MS ?? 1_000);
/** How long a balancer goes on sending to a gateway that has stopped being ready: Kubernetes' endpoints take about that long. */
const BALANCER_LAG_MS = 500;
/** Kubernetes' default terminationGracePeriodSeconds, as in the deploy files. */
const GRACE_MS = 30_000;
const CUSTOMERS = 6;

let topology: SplitTopology;
let productId: string;
const tokens: string[] = [];
const api = client(() => topology.baseUrl);

beforeAll(async () => {
  topology = await startSplit({ SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS), PAYMENTS_LATENCY_MS: "20" });
  const admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken;
  const created = await api("POST", "/v1/products", { token: admin, body: { sku: `S-${randomUUID().slice(0, 12)}`, name: "Drained item", priceCents: 100, currency: "EUR" } });
  productId = created.body.id;
  await api("PUT", `/v1/inventory/${productId}`, { token: admin, body: { available: 1_000_000 } });
  for (let i = 0; i < CUSTOMERS; i++) {
    const email = `drain-${i}-${randomUUID().slice(0, 8)}@example.com`;
    await api("POST", "/v1/auth/register", { body: { email, password: "drain password", name: "D" } });
    tokens.push((await api("POST", "/v1/auth/login", { body: { email, password: "drain password" } })).body.accessToken);
  }
}, 120_000);
afterAll(() => topology?.stop());

/** Sends each request to a gateway that was ready at the last look, in turn. */
class Balancer {
  readonly #ready = new Map<string, boolean>();
  readonly #timer: NodeJS.Timeout;
  #next = 0;

  constructor(baseUrls: string[]) {
    for (const url of baseUrls) this.#ready.set(url, true);
    this.#timer = setInterval(() => void this.#look(), BALANCER_LAG_MS);
  }

  add(baseUrl: string): void {
    this.#ready.set(baseUrl, true);
  }

  pick(): string {
    const ready = [...this.#ready].filter(([, up]) => up).map(([url]) => url);
    if (ready.length === 0) throw new Error("no gateway is ready");
    return ready[this.#next++ % ready.length] as string;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #look(): Promise<void> {
    await Promise.all([...this.#ready.keys()].map(async (url) => {
      const up = await fetch(`${url}/health/ready`).then((response) => response.ok, () => false);
      this.#ready.set(url, up);
    }));
  }
}

interface Outcome {
  status: number | string;
  orderId?: string;
}

/** `CUSTOMERS` customers, each placing one order after the other until stopped. */
function steadyCheckouts(balancer: Balancer) {
  const outcomes: Outcome[] = [];
  let running = true;
  const customers = tokens.map(async (token) => {
    while (running) {
      try {
        const response = await fetch(`${balancer.pick()}/v1/orders`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ items: [{ productId, quantity: 1 }], paymentToken: "tok_visa" }),
        });
        const body = (await response.json()) as { id?: string; code?: string };
        outcomes.push({ status: response.status === 201 ? 201 : `${response.status} ${body.code}`, orderId: body.id });
      } catch (error) {
        outcomes.push({ status: (error as Error).cause ? String((error as { cause: Error }).cause.message) : (error as Error).message });
      }
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(customers);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("SIGTERM under a steady checkout load", () => {
  const current: Record<string, string> = { gateway: "gateway", catalog: "catalog", inventory: "inventory", orders: "orders", payments: "payments" };
  // The gateways running: the first one, until it is the one stopped.
  const gatewayUrls = new Map<string, string>();

  for (const kind of Object.keys(current)) {
    it(`stopping a ${kind} process fails no request, exits 0 in time, and every accepted order ends paid`, async () => {
      if (gatewayUrls.size === 0) gatewayUrls.set("gateway", topology.baseUrl);
      const balancer = new Balancer([...gatewayUrls.values()]);
      let successor: string;
      if (kind === "gateway") {
        const added = await topology.addGateway();
        gatewayUrls.set(added.name, added.baseUrl);
        balancer.add(added.baseUrl);
        successor = added.name;
      } else {
        successor = await topology.addModule(kind);
      }
      const load = steadyCheckouts(balancer);
      try {
        await sleep(1_500);
        const stopping = current[kind] as string;
        const signalled = Date.now();
        const exitCode = await topology.kill(stopping, "SIGTERM");
        const tookMs = Date.now() - signalled;
        if (kind === "gateway") gatewayUrls.delete(stopping);
        current[kind] = successor;
        await sleep(1_500);
        await load.stop();
        expect(exitCode).toBe(0);
        expect(tookMs).toBeLessThan(GRACE_MS);
        expect(tookMs).toBeGreaterThanOrEqual(SHUTDOWN_DELAY_MS);
      } finally {
        await load.stop();
        balancer.close();
      }
      const failed = load.outcomes.filter((outcome) => outcome.status !== 201);
      expect(failed).toEqual([]);
      expect(load.outcomes.length).toBeGreaterThan(20);
      const accepted = load.outcomes.map((outcome) => outcome.orderId as string);
      await vi.waitFor(async () => {
        const [paid] = await topology.db.query<{ n: number }>("select count(*)::int as n from orders.orders where id = any($1::uuid[]) and status = 'paid'", [accepted]);
        expect(paid?.n).toBe(new Set(accepted).size);
      }, { timeout: 40_000, interval: 250 });
    }, 90_000);
  }
});
