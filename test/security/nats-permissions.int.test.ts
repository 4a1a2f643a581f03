/**
 * The NATS configuration shipped in deploy/nats/ is real: a nats-server started with it refuses
 * anonymous clients, lets each module publish only its own events, keeps the gateway off JetStream,
 * and a bazaar module process connects and starts with its credentials.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect, JSONCodec, RetentionPolicy, StorageType } from "nats";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { JetStreamTransport } from "../../src/broker/events/jetstream-transport.ts";
import { createLogger } from "../../src/broker/logger.ts";
import { spawnBazaar, stopAll } from "../../scripts/processes.ts";
import { startShippedNats, type ShippedNats } from "../support/nats-server.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let nats: ShippedNats;
let url: string;
const password = (user: string) => nats.password(user);

beforeAll(async () => {
  nats = await startShippedNats();
  url = nats.url;
});
afterAll(() => nats?.stop());

const as = (user: string) => connect({ servers: url, user, pass: password(user) });

describe("deploy/nats/nats-server.conf", () => {
  it("refuses clients without valid credentials", async () => {
    await expect(connect({ servers: url })).rejects.toThrow(/Authorization/i);
    await expect(connect({ servers: url, user: "orders", pass: "wrong" })).rejects.toThrow(/Authorization/i);
  });

  it("lets a module publish its own events and no one else's", async () => {
    const orders = await as("orders");
    const jsm = await orders.jetstreamManager();
    await jsm.streams.add({ name: "bazaar_events", subjects: ["bazaar.events.>"], retention: RetentionPolicy.Limits, storage: StorageType.File });
    const data = JSONCodec().encode({ id: randomUUID() });
    await expect(orders.jetstream().publish("bazaar.events.orders.order.placed", data)).resolves.toMatchObject({ stream: "bazaar_events" });
    await orders.close();

    const catalog = await as("catalog");
    await expect(catalog.jetstream().publish("bazaar.events.orders.order.placed", data, { timeout: 1_000 })).rejects.toThrow();
    await catalog.close();

    const gateway = await as("gateway");
    await expect(gateway.jetstreamManager()).rejects.toThrow();
    await gateway.close();
  });

  it("lets the gateway hear the catalog's product events, for its cache, and no other events", async () => {
    const gateway = await as("gateway");
    const catalog = await as("catalog");
    try {
      const heard: string[] = [];
      gateway.subscribe("bazaar.events.catalog.product.updated", { callback: (_error, message) => heard.push(message.subject) });
      const refused = new Promise<Error | null>((resolve) => {
        gateway.subscribe("bazaar.events.orders.order.placed", { callback: (error) => resolve(error) });
      });
      await gateway.flush();
      catalog.publish("bazaar.events.catalog.product.updated", JSONCodec().encode({ id: randomUUID() }));
      await catalog.flush();
      await vi.waitFor(() => expect(heard).toEqual(["bazaar.events.catalog.product.updated"]));
      expect(String(await refused)).toMatch(/permissions violation/i);
    } finally {
      await catalog.close();
      await gateway.close();
    }
  });

  it("lets a module consume and acknowledge the events it subscribes to", async () => {
    const connection = (user: string) => ({ user, pass: password(user) });
    const log = createLogger("silent");
    const secret = "s".repeat(32);
    const orders = await JetStreamTransport.connect({ url, namespace: "bazaar", log, secret, connection: connection("orders") });
    const payments = await JetStreamTransport.connect({ url, namespace: "bazaar", log, secret, connection: connection("payments") });
    try {
      const handled: string[] = [];
      await payments.subscribe("payments", ["orders.order.placed"], async (event) => void handled.push(event.id));
      const event = { id: randomUUID(), name: "orders.order.placed", payload: {}, occurredAt: new Date().toISOString(), requestId: null };
      await orders.publish(event);
      const admin = await as("orders");
      const jsm = await admin.jetstreamManager();
      // Handled, and the ack went through: nothing is left pending for redelivery.
      await vi.waitFor(async () => {
        expect(handled).toContain(event.id);
        const info = await jsm.consumers.info("bazaar_events", "payments__orders-order-placed");
        expect(info.num_ack_pending).toBe(0);
        expect(info.ack_floor.stream_seq).toBeGreaterThan(0);
      }, { timeout: 5_000 });
      await admin.close();
    } finally {
      await orders.close();
      await payments.close();
    }
  });

  it("is what a bazaar module process connects with", async () => {
    const db: TestDatabase = await createTestDatabase("natsauth");
    const data = await mkdtemp(path.join(tmpdir(), "bazaar-natsauth-"));
    const catalog = spawnBazaar("catalog", { MODULES: "catalog", NATS_URL: url, NATS_USER: "catalog", NATS_PASSWORD: password("catalog"), DATABASE_URL: db.url, DATA_DIR: data, LOG_LEVEL: "info" }, "pipe");
    let output = "";
    catalog.child.stdout?.on("data", (chunk) => (output += chunk));
    try {
      for (let i = 0; i < 100 && !output.includes("bazaar ready"); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output).toContain("bazaar ready");
      expect(catalog.child.exitCode).toBeNull();
    } finally {
      await stopAll([catalog]);
      await rm(data, { recursive: true, force: true });
      await db.drop();
    }
  });
});
