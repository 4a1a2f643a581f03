/**
 * The gateway's cache in a split deployment: a product changed through one gateway is served fresh
 * by another gateway that had it cached, as soon as the change's event reaches it. The copies live
 * for 300 s here, so only the eviction can make the second gateway answer the new price in time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startSplit, type SplitTopology } from "../support/topology.ts";
import { client } from "./http.ts";

let topology: SplitTopology;
let other: ReturnType<typeof client>;
const api = client(() => topology.baseUrl);

beforeAll(async () => {
  topology = await startSplit({ CACHE_TTL_S: "300" });
  const second = await topology.addGateway();
  other = client(() => second.baseUrl);
});
afterAll(() => topology?.stop());

/** Asks until `read` answers what `done` wants, for up to 5 s (the copies would last 300 s). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("GET /v1/products/:id behind two gateways with caches", () => {
  it("serves another gateway's change once its event arrives, well before the copy would expire", async () => {
    const admin = (await api("POST", "/v1/auth/login", { body: ADMIN })).body.accessToken as string;
    const { body: product } = await api("POST", "/v1/products", { token: admin, body: { sku: `CACHE-${Date.now()}`, name: "Kettle", priceCents: 1_000, currency: "EUR" } });
    // The second gateway keeps a copy.
    expect((await other("GET", `/v1/products/${product.id}`)).body.priceCents).toBe(1_000);
    expect((await other("GET", `/v1/products/${product.id}`)).body.priceCents).toBe(1_000);

    expect((await api("PATCH", `/v1/products/${product.id}`, { token: admin, body: { priceCents: 1_250 } })).status).toBe(200);
    const changed = await eventually(() => other("GET", `/v1/products/${product.id}`), (answer) => answer.body.priceCents === 1_250);
    expect(changed.body.priceCents).toBe(1_250);

    expect((await api("DELETE", `/v1/products/${product.id}`, { token: admin })).status).toBe(204);
    const deactivated = await eventually(() => other("GET", `/v1/products/${product.id}`), (answer) => answer.body.active === false);
    expect(deactivated.body.active).toBe(false);
  });
});
