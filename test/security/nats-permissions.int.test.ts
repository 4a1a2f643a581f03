/**
 * The NATS configuration shipped in deploy/nats/ is real: a nats-server started with it refuses
 * anonymous clients, lets each module publish only its own events and use only its own consumers,
 * keeps the gateway off JetStream, lets each user hear only the bus packets addressed to its own
 * nodes, leaves streams and consumers to `npm run migrate` (as `ops`),
 * and a bazaar module process connects and starts with its credentials once that has run.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { AckPolicy, connect, JSONCodec, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { durableName } from "../../src/broker/events/jetstream-layout.ts";
import { JetStreamTransport } from "../../src/broker/events/jetstream-transport.ts";
import { createLogger } from "../../src/broker/logger.ts";
import { spawnBazaar, stopAll } from "../../scripts/processes.ts";
import { startShippedNats, subscribers, type ShippedNats } from "../support/nats-server.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let nats: ShippedNats;
let url: string;

beforeAll(async () => {
  nats = await startShippedNats();
  url = nats.url;
});
afterAll(() => nats?.stop());

const as = (user: string) => connect({ servers: url, ...nats.login(user) });

describe("deploy/nats/nats-server.conf", () => {
  it("refuses clients without valid credentials", async () => {
    await expect(connect({ servers: url })).rejects.toThrow(/Authorization/i);
    await expect(connect({ servers: url, user: "orders", pass: "wrong" })).rejects.toThrow(/Authorization/i);
  });

  it("lets a module publish its own events and no one else's", async () => {
    const orders = await as("orders");
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
    const connection = (user: string) => nats.login(user);
    const log = createLogger("silent");
    const secret = "s".repeat(32);
    const orders = await JetStreamTransport.connect({ url, namespace: "bazaar", log, secret, connection: connection("orders") });
    const payments = await JetStreamTransport.connect({ url, namespace: "bazaar", log, secret, connection: connection("payments") });
    try {
      const handled: string[] = [];
      await payments.subscribe("payments", ["orders.order.placed"], async (event) => void handled.push(event.id));
      const event = { id: randomUUID(), name: "orders.order.placed", payload: {}, occurredAt: new Date().toISOString(), requestId: null };
      await orders.publish(event);
      const admin = await as("ops");
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

  it("lets no module create, change, purge or delete a stream or a consumer", async () => {
    for (const module of subscribers.map(({ consumer }) => consumer)) {
      const nc = await as(module);
      try {
        const jsm = await nc.jetstreamManager();
        const refused = (what: string, request: Promise<unknown>) => expect(request, `${module}: ${what}`).rejects.toThrow(/permission|timeout/i);
        await refused("purge", jsm.streams.purge("bazaar_events"));
        await refused("delete stream", jsm.streams.delete("bazaar_events"));
        await refused("change stream", jsm.streams.update("bazaar_events", { max_age: 1 }));
        await refused("new stream", jsm.streams.add({ name: `rogue_${module}`, subjects: [`rogue.${module}.>`] }));
        await refused("delete consumer", jsm.consumers.delete("bazaar_events", "payments__orders-order-placed"));
        await refused("new consumer", jsm.consumers.add("bazaar_events", { durable_name: `rogue_${module}`, ack_policy: AckPolicy.Explicit }));
      } finally {
        await nc.close();
      }
    }
    const ops = await (await as("ops")).jetstreamManager();
    expect((await ops.streams.info("bazaar_events")).config.subjects).toEqual(["bazaar.events.>"]);
    expect((await ops.consumers.info("bazaar_events", "payments__orders-order-placed")).config.filter_subject).toBe("bazaar.events.orders.order.placed");
  });

  it("lets each user hear replies under its own inbox prefix only, and no one write into them", async () => {
    const [payments, catalog] = [await as("payments"), await as("catalog")];
    try {
      const refusal = (subject: string) => new Promise<string>((resolve) => {
        catalog.subscribe(subject, { callback: (error) => resolve(String(error)) });
        setTimeout(resolve, 2_000, `${subject}: not refused`);
      });
      const refused = [refusal("_INBOX.>"), refusal("_INBOX_payments.>")];
      const heard: string[] = [];
      payments.subscribe("_INBOX_payments.probe", { callback: (_error, message) => heard.push(message.subject) });
      await payments.flush();
      catalog.publish("_INBOX_payments.probe", new TextEncoder().encode("forged reply"));
      await catalog.flush();
      for (const refusalOf of refused) expect(await refusalOf).toMatch(/permissions violation/i);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(heard).toEqual([]);
      // Its own requests are answered there: JetStream's account info, for one.
      await expect((await payments.jetstreamManager()).getAccountInfo()).resolves.toMatchObject({ streams: 2 });
    } finally {
      await payments.close();
      await catalog.close();
    }
  });

  it("lets each user hear the bus's broadcasts and the packets addressed to its own nodes, and no others", async () => {
    const [gateway, catalog, orders] = [await as("gateway"), await as("catalog"), await as("orders")];
    try {
      const refusal = (subject: string) => new Promise<string>((resolve) => {
        gateway.subscribe(subject, { callback: (error) => resolve(String(error)) });
        setTimeout(resolve, 2_000, `${subject}: not refused`);
      });
      // The gateway would see every call to catalog (an answer's prices, a caller's token) with these.
      const refused = ["MOL-bazaar.>", "MOL-bazaar.REQ.>", "MOL-bazaar.REQ.catalog.>", "MOL-bazaar.*.catalog.>", "MOL-bazaar.RES.orders.node-1"].map(refusal);
      const heard: string[] = [];
      catalog.subscribe("MOL-bazaar.REQ.catalog.>", { callback: (_error, message) => heard.push(message.subject) });
      catalog.subscribe("MOL-bazaar.INFO", { callback: (_error, message) => heard.push(message.subject) });
      await catalog.flush();
      // Anyone may send to any node: the gateway calls catalog, orders announces itself.
      gateway.publish("MOL-bazaar.REQ.catalog.node-1", new TextEncoder().encode("sealed call"));
      orders.publish("MOL-bazaar.INFO", new TextEncoder().encode("sealed announcement"));
      await Promise.all([gateway.flush(), orders.flush()]);
      for (const refusalOf of refused) expect(await refusalOf).toMatch(/permissions violation/i);
      await vi.waitFor(() => expect(heard.sort()).toEqual(["MOL-bazaar.INFO", "MOL-bazaar.REQ.catalog.node-1"]));
    } finally {
      for (const nc of [gateway, catalog, orders]) await nc.close();
    }
  });

  it("lets a module pull from and acknowledge its own consumers only", async () => {
    const nextOf = (durable: string) => `$JS.API.CONSUMER.MSG.NEXT.bazaar_events.${durable}`;
    const pull = async (nc: NatsConnection, durable: string) => nc.request(nextOf(durable), JSONCodec().encode({ batch: 1, expires: 500_000_000 }), { timeout: 2_000, noMux: true });
    const [orders, payments, catalog] = [await as("orders"), await as("payments"), await as("catalog")];
    const jsm = await (await as("ops")).jetstreamManager();
    try {
      const event = { id: randomUUID(), name: "orders.order.placed", payload: {}, occurredAt: new Date().toISOString(), requestId: null };
      await orders.jetstream().publish("bazaar.events.orders.order.placed", JSONCodec().encode(event));
      // Another module cannot take the event from payments' consumer...
      for (const rogue of [catalog, orders]) await expect(pull(rogue, "payments__orders-order-placed")).rejects.toThrow(/permission|timeout/i);
      // ...payments can, and the event then waits for payments' acknowledgement...
      const message = await pull(payments, "payments__orders-order-placed");
      expect(JSONCodec().decode(message.data)).toMatchObject({ id: event.id });
      const ack = message.reply as string;
      expect(ack).toMatch(/^\$JS\.ACK\.bazaar_events\.payments__orders-order-placed\./);
      // ...which no other module can give in its place.
      catalog.publish(ack, new TextEncoder().encode("+ACK"));
      await catalog.flush();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await jsm.consumers.info("bazaar_events", "payments__orders-order-placed")).num_ack_pending).toBe(1);
      payments.publish(ack, new TextEncoder().encode("+ACK"));
      await payments.flush();
      await vi.waitFor(async () => expect((await jsm.consumers.info("bazaar_events", "payments__orders-order-placed")).num_ack_pending).toBe(0));
    } finally {
      for (const nc of [orders, payments, catalog]) await nc.close();
    }
  });
});

describe("a deployment on the shipped NATS configuration", () => {
  it("starts a module only once `npm run migrate` has made its streams and consumers as ops", async () => {
    const fresh = await startShippedNats({ provisioned: false });
    const db: TestDatabase = await createTestDatabase("natsauth");
    const data = await mkdtemp(path.join(tmpdir(), "bazaar-natsauth-"));
    const env = { NATS_URL: fresh.url, DATABASE_URL: db.url, DATA_DIR: data, LOG_LEVEL: "info" };
    const as = (user: string) => ({ NATS_USER: user, NATS_PASSWORD: fresh.password(user) });
    const start = (module: string) => {
      const started = spawnBazaar(module, { ...env, ...as(module), MODULES: module }, "pipe");
      let output = "";
      started.child.stdout?.on("data", (chunk) => (output += chunk));
      return { started, output: () => output };
    };
    try {
      // Before: a module's user may not make what is missing, and the process says what to run.
      const early = start("payments");
      const ended = await Promise.race([early.started.exited, new Promise((resolve) => setTimeout(resolve, 20_000, "still running"))]);
      if (ended === "still running") await stopAll([early.started]);
      expect(ended).toBe(1);
      expect(early.output()).toMatch(/npm run migrate/);

      await promisify(execFile)(process.execPath, ["src/main.ts", "migrate"], { env: { ...process.env, ...env, ...as("ops"), MODULES: "all" } });
      const ops = await connect({ servers: fresh.url, ...fresh.login("ops") });
      const jsm = await ops.jetstreamManager();
      for (const { consumer, events } of subscribers) {
        for (const event of events) expect((await jsm.consumers.info("bazaar_events", durableName(consumer, event))).config.filter_subject).toBe(`bazaar.events.${event}`);
      }
      await ops.close();

      const payments = start("payments");
      try {
        for (let i = 0; i < 150 && !payments.output().includes("bazaar ready"); i++) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(payments.output()).toContain("bazaar ready");
        expect(payments.started.child.exitCode).toBeNull();
      } finally {
        await stopAll([payments.started]);
      }
    } finally {
      await rm(data, { recursive: true, force: true });
      await db.drop();
      await fresh.stop();
    }
  }, 60_000);
});
