/**
 * `npm run dead-letters` (`npm run cli -- dead-letters`) in both topologies: split, against a nats-server running the shipped
 * deploy/nats/nats-server.conf, as its `ops` user (the stream's dead letters, redriven with their
 * own signatures); one process, against the modules' own tables on PostgreSQL.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DeadLetterStream } from "../../src/broker/events/dead-letters.ts";
import { JetStreamTransport } from "../../src/broker/events/jetstream-transport.ts";
import { createLogger } from "../../src/broker/logger.ts";
import { startShippedNats, type ShippedNats } from "../support/nats-server.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, "../../scripts/cli.ts");
const SECRET = "dead-letters-cli-secret-of-32-characters";

/** The command's output, one JSON object per line. */
async function deadLetters(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Record<string, unknown>[]> {
  const { NATS_URL: _nats, DATABASE_URL: _db, ...inherited } = process.env;
  const { stdout } = await run(process.execPath, [CLI, "dead-letters", ...args], { env: { ...inherited, LOG_LEVEL: "silent", ...env } });
  return stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

describe("npm run dead-letters, split, with the shipped NATS permissions", () => {
  let nats: ShippedNats;
  const open: JetStreamTransport[] = [];
  beforeAll(async () => {
    nats = await startShippedNats();
  });
  afterAll(async () => {
    for (const t of open) await t.close();
    await nats?.stop();
  });

  it("lists the stream's dead letters as the ops user and redrives them, each with its own signature", async () => {
    const connect = async (user: string) => {
      const t = await JetStreamTransport.connect({ url: nats.url, namespace: "bazaar", log: createLogger("silent"), secret: SECRET, connection: nats.login(user), redelivery: { maxDeliver: 2, backoffMs: [50] } });
      open.push(t);
      return t;
    };
    const [orders, payments] = [await connect("orders"), await connect("payments")];
    let healed = false;
    const handled: string[] = [];
    await payments.subscribe("payments", ["orders.order.placed"], async (event) => {
      if (!healed) throw new Error("provider misconfigured");
      handled.push(event.id);
    });
    const event = { id: randomUUID(), name: "orders.order.placed", payload: {}, occurredAt: new Date().toISOString(), requestId: null };
    await orders.publish(event);

    const env = { NATS_URL: nats.url, NATS_USER: "ops", NATS_PASSWORD: nats.password("ops"), BUS_SECRET: SECRET };
    await vi.waitFor(async () => expect(await deadLetters(env)).toEqual([expect.objectContaining({ where: "stream", consumer: "payments", event: "orders.order.placed", id: event.id, error: "provider misconfigured" })]), { timeout: 10_000, interval: 300 });
    healed = true;
    // With another deployment's secret nothing verifies, so nothing goes.
    expect(await deadLetters({ ...env, BUS_SECRET: "x".repeat(32) }, "--redrive")).toEqual([{ where: "stream", redriven: 0, refused: 1 }]);
    expect(await deadLetters(env, "--redrive")).toEqual([{ where: "stream", redriven: 1, refused: 0 }]);
    await vi.waitFor(() => expect(handled).toEqual([event.id]), { timeout: 5_000 });
    expect(await deadLetters(env)).toEqual([]);
    // The ops user reads dead letters and nothing else: no bus traffic, no other stream.
    await expect(deadLetters({ ...env, BUS_NAMESPACE: "other" })).rejects.toThrow();
  });
});

describe("the dead-letter stream as the console reads it", () => {
  it("keeps one NATS connection however often it is looked at, and none once closed", async () => {
    const nats = await startShippedNats();
    try {
      const letters = new DeadLetterStream({ natsUrl: nats.url, namespace: "bazaar", secret: SECRET, connection: nats.login("ops") });
      const before = await nats.connections();
      // A module's transport, as a module process connects it.
      const module = await JetStreamTransport.connect({ url: nats.url, namespace: "bazaar", log: createLogger("silent"), secret: SECRET, connection: nats.login("orders") });
      for (let look = 0; look < 5; look++) expect((await letters.list(20)).total).toBe(0);
      // Made since: the module's and the stream's, one each.
      expect((await nats.connections()).total).toBe(before.total + 2);
      await letters.close();
      await vi.waitFor(async () => expect((await nats.connections()).now).toBe(before.now + 1), { timeout: 5_000, interval: 100 });
      await module.close();
    } finally {
      await nats.stop();
    }
  });
});

describe("npm run dead-letters, one process (the modules' own tables)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("deadletters_cli");
  });
  afterAll(() => db?.drop());

  it("lists what outboxes gave up publishing and modules gave up handling, and redrives the one named", async () => {
    // The first run prepares every module's schema, as a start would; none has a dead event yet.
    expect(await deadLetters({ DATABASE_URL: db.url })).toEqual([]);
    const [dead, other] = [randomUUID(), randomUUID()];
    for (const id of [dead, other]) {
      await db.query("insert into catalog.outbox (id, name, payload, occurred_at, attempts, dead_at, last_error) values ($1, 'catalog.product.created', '{}', now(), 10, now(), 'no subscriber could handle it')", [id]);
    }
    const unhandled = randomUUID();
    await db.query(
      `insert into payments.event_retries (event_id, consumer, envelope, attempts, next_at, dead_at, last_error)
       values ($1::uuid, 'payments', jsonb_build_object('id', $1::text, 'name', 'orders.order.placed', 'payload', '{}'::jsonb, 'occurredAt', now(), 'requestId', null), 10, now(), now(), 'provider misconfigured')`,
      [unhandled],
    );
    const listed = await deadLetters({ DATABASE_URL: db.url });
    expect(listed).toHaveLength(3);
    expect(listed).toEqual(expect.arrayContaining([
      { where: "catalog outbox", event: "catalog.product.created", id: dead, attempts: 10, error: "no subscriber could handle it" },
      expect.objectContaining({ where: "catalog outbox", id: other }),
      { where: "handled by payments", event: "orders.order.placed", id: unhandled, attempts: 10, error: "provider misconfigured" },
    ]));
    expect(await deadLetters({ DATABASE_URL: db.url }, `--redrive=${dead}`)).toEqual([{ where: "catalog outbox", id: dead, redriven: true }]);
    const rows = await db.query("select id, dead_at is null as alive, attempts from catalog.outbox order by id = $1 desc", [dead]);
    expect(rows).toEqual([{ id: dead, alive: true, attempts: 0 }, { id: other, alive: false, attempts: 10 }]);
  });
});
