import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/support/postgres.ts";
import { defineContract } from "../../contract-kit.ts";
import { openModuleDatabase, type ModuleOrm } from "../../database.ts";
import { createLogger } from "../../logger.ts";
import { moduleData, type EventTables } from "../../module.ts";
import { handleOnce } from "../inbox.ts";
import { OutboxRelay } from "../relay.ts";
import { TransportUnavailableError, type EventEnvelope, type EventTransport } from "../transport.ts";

const log = createLogger("silent");
const Ledger = defineContract({ name: "ledger", actions: {}, events: {} });
let db: TestDatabase;
let orm: ModuleOrm;
let tables: EventTables;

beforeAll(async () => {
  db = await createTestDatabase("outbox");
  const module = moduleData({ contract: Ledger, entities: [], migrations: [], handlers: () => ({}) });
  tables = module.tables;
  orm = await openModuleDatabase(module.data, { kind: "postgres", url: db.url, poolMax: 4 });
});
afterAll(async () => {
  await orm?.close();
  await db?.drop();
});
beforeEach(async () => {
  await db.query("truncate ledger.outbox, ledger.inbox");
});

async function stage(count: number): Promise<string[]> {
  const em = orm.em.fork();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    ids.push(id);
    em.create(tables.Outbox, { id, name: "ledger.entry.recorded", payload: { n: i }, requestId: "req-1", occurredAt: new Date(Date.now() + i), attempts: 0 });
  }
  await em.flush();
  return ids;
}

class RecordingTransport implements EventTransport {
  published: EventEnvelope[] = [];
  failWith: Error | undefined;
  async publish(envelope: EventEnvelope) {
    if (this.failWith) throw this.failWith;
    this.published.push(envelope);
  }
  async subscribe() {}
  async close() {}
}

const settings = { fallbackMs: 50, batchSize: 10, concurrency: 4, leaseS: 30, maxAttempts: 2 };

describe("outbox relay", () => {
  it("publishes each staged event once, oldest first, and marks it published", async () => {
    const ids = await stage(3);
    const transport = new RecordingTransport();
    const relay = new OutboxRelay(orm, "ledger", transport, log, settings);
    expect(await relay.relayBatch()).toBe(3);
    expect(await relay.relayBatch()).toBe(0);
    expect(transport.published.map((e) => e.id)).toEqual(ids);
    expect(transport.published[0]).toMatchObject({ name: "ledger.entry.recorded", payload: { n: 0 }, requestId: "req-1" });
    const pending = await db.query("select 1 from ledger.outbox where published_at is null");
    expect(pending).toHaveLength(0);
  });

  it("shares the work between relays without publishing a row twice", async () => {
    await stage(120);
    const transport = new RecordingTransport();
    const relays = [1, 2, 3].map(() => new OutboxRelay(orm, "ledger", transport, log, settings));
    await Promise.all(relays.map(async (relay) => {
      while ((await relay.relayBatch()) > 0);
    }));
    expect(transport.published).toHaveLength(120);
    expect(new Set(transport.published.map((e) => e.id)).size).toBe(120);
  });

  it("keeps a failed event for a later retry, and dead-letters it after maxAttempts", async () => {
    const [id] = await stage(1);
    const transport = new RecordingTransport();
    transport.failWith = new Error("transport down");
    const relay = new OutboxRelay(orm, "ledger", transport, log, settings);
    expect(await relay.relayBatch()).toBe(1);
    const [first] = await db.query("select attempts, last_error, dead_at, claimed_until > now() as leased from ledger.outbox where id = $1", [id]);
    expect(first).toEqual({ attempts: 1, last_error: "transport down", dead_at: null, leased: true });
    expect(await relay.relayBatch()).toBe(0); // still backing off
    await db.query("update ledger.outbox set claimed_until = now() - interval '1 second'");
    expect(await relay.relayBatch()).toBe(1);
    const [second] = await db.query("select attempts, dead_at is not null as dead from ledger.outbox where id = $1", [id]);
    expect(second).toEqual({ attempts: 2, dead: true });
    await db.query("update ledger.outbox set claimed_until = null");
    transport.failWith = undefined;
    expect(await relay.relayBatch()).toBe(0); // dead letters wait for a redrive
  });
});

describe("outbox relay during a transport outage", () => {
  it("never dead-letters an event because the transport is down", async () => {
    const [id] = await stage(1);
    const transport = new RecordingTransport();
    transport.failWith = new TransportUnavailableError("NATS is down");
    const relay = new OutboxRelay(orm, "ledger", transport, log, settings);
    for (let attempt = 0; attempt < settings.maxAttempts + 2; attempt++) {
      await db.query("update ledger.outbox set claimed_until = null");
      expect(await relay.relayBatch()).toBe(1);
    }
    const [row] = await db.query("select attempts, dead_at from ledger.outbox where id = $1", [id]);
    expect(row).toEqual({ attempts: settings.maxAttempts + 2, dead_at: null });
    transport.failWith = undefined;
    await db.query("update ledger.outbox set claimed_until = null");
    expect(await relay.relayBatch()).toBe(1);
    expect(transport.published.map((e) => e.id)).toEqual([id]);
  });
});

describe("inbox", () => {
  const envelope = (): EventEnvelope => ({ id: randomUUID(), name: "ledger.entry.recorded", payload: {}, occurredAt: new Date().toISOString(), requestId: null });

  it("absorbs a duplicate delivery, e.g. after a relay died between publish and mark-sent", async () => {
    const event = envelope();
    let effects = 0;
    const effect = async () => void effects++;
    expect(await handleOnce(orm, "ledger", "reports", event, effect)).toBe(true);
    expect(await handleOnce(orm, "ledger", "reports", event, effect)).toBe(false);
    expect(await handleOnce(orm, "ledger", "audit", event, effect)).toBe(true);
    expect(effects).toBe(2);
  });

  it("forgets an event whose effect failed, so its redelivery runs it again", async () => {
    const event = envelope();
    await expect(handleOnce(orm, "ledger", "reports", event, async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(await handleOnce(orm, "ledger", "reports", event, async () => undefined)).toBe(true);
  });

  it("runs concurrent duplicates once", async () => {
    const event = envelope();
    let effects = 0;
    const results = await Promise.all([1, 2, 3, 4].map(() => handleOnce(orm, "ledger", "reports", event, async () => void effects++)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(effects).toBe(1);
  });
});
