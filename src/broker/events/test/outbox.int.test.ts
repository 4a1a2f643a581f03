import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/support/postgres.ts";
import { defineContract } from "../../contract-kit.ts";
import { openModuleDatabase, type ModuleOrm } from "../../database.ts";
import { createLogger } from "../../logger.ts";
import { moduleData, type EventTables } from "../../module.ts";
import type { ModuleEntityManager } from "../../database.ts";
import { handleBatch } from "../inbox.ts";
import { publisherFor, type StagedEvent } from "../publisher.ts";
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
  readonly redelivers = true;
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

  it("reports what waits and what died, and redrives a dead event once into a fresh round of attempts", async () => {
    const [dead, waiting] = await stage(2);
    await db.query("update ledger.outbox set dead_at = now(), attempts = 2, last_error = 'no subscriber could handle it' where id = $1", [dead]);
    const transport = new RecordingTransport();
    const relay = new OutboxRelay(orm, "ledger", transport, log, settings);
    const report = await relay.report();
    expect(report).toMatchObject({ pending: 1, dead: 1, deadLetters: [{ id: dead, name: "ledger.entry.recorded", attempts: 2, error: "no subscriber could handle it" }] });
    const [oldest] = await db.query<{ occurred_at: Date }>("select occurred_at from ledger.outbox where id = $1", [waiting]);
    expect(report.oldestPendingAt).toBe(oldest?.occurred_at.toISOString());

    expect(await relay.redrive(waiting as string)).toBe(false); // not dead: nothing to redrive
    expect(await relay.redrive(dead as string)).toBe(true);
    expect(await relay.redrive(dead as string)).toBe(false); // once
    expect(await relay.relayBatch()).toBe(2);
    expect(transport.published.map((e) => e.id).sort()).toEqual([dead, waiting].sort());
    expect(await relay.report()).toMatchObject({ pending: 0, oldestPendingAt: null, dead: 0, deadLetters: [] });
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

describe("outbox relay, handed the events a commit staged", () => {
  async function commitStaged(count: number): Promise<StagedEvent[]> {
    const em = orm.em.fork() as ModuleEntityManager;
    const staged: StagedEvent[] = [];
    const publish = publisherFor(em, tables.Outbox, "req-2", staged);
    for (let i = 0; i < count; i++) publish({ name: "ledger.entry.recorded", payload: {} as never }, { n: i } as never);
    await em.flush();
    return staged;
  }

  it("publishes them at once without claiming them, and marks them in one update", async () => {
    const staged = await commitStaged(3);
    const transport = new RecordingTransport();
    const relay = new OutboxRelay(orm, "ledger", transport, log, settings);
    // Born claimed by their committer: the fallback leaves them alone.
    expect(await relay.relayBatch()).toBe(0);
    relay.handOff(staged);
    await relay.stop();
    expect(transport.published.map((e) => e.id)).toEqual(staged.map((e) => e.id));
    expect(await db.query("select 1 from ledger.outbox where published_at is null")).toHaveLength(0);
  });

  it("leaves the events of a process that died before handing them off to the fallback, once their claim lapses", async () => {
    const staged = await commitStaged(2);
    const transport = new RecordingTransport();
    const relay = new OutboxRelay(orm, "ledger", transport, log, settings);
    expect(await relay.relayBatch()).toBe(0);
    await db.query("update ledger.outbox set claimed_until = now() - interval '1 second'");
    expect(await relay.relayBatch()).toBe(2);
    // Staged within the same millisecond, so in either order.
    expect(transport.published.map((e) => e.id).sort()).toEqual(staged.map((e) => e.id).sort());
  });

  it("keeps a handed-off event that the transport refused, for the fallback's retry", async () => {
    const [event] = await commitStaged(1);
    const transport = new RecordingTransport();
    transport.failWith = new TransportUnavailableError("NATS is down");
    const relay = new OutboxRelay(orm, "ledger", transport, log, settings);
    relay.handOff([event as StagedEvent]);
    await relay.stop();
    const [row] = await db.query("select attempts, published_at, claimed_until > now() as leased from ledger.outbox where id = $1", [event?.id]);
    expect(row).toEqual({ attempts: 1, published_at: null, leased: true });
  });
});

describe("inbox", () => {
  const envelope = (): EventEnvelope => ({ id: randomUUID(), name: "ledger.entry.recorded", payload: {}, occurredAt: new Date().toISOString(), requestId: null });
  const once = async (consumer: string, event: EventEnvelope, effect: () => Promise<void>) => {
    const { results } = await handleBatch(orm, "ledger", consumer, [event], async (fresh) => {
      for (const _ of fresh) await effect();
    });
    if (results[0] instanceof Error) throw results[0];
    return results[0];
  };

  it("absorbs a duplicate delivery, e.g. after a relay died between publish and mark-sent", async () => {
    const event = envelope();
    let effects = 0;
    const effect = async () => void effects++;
    expect(await once("reports", event, effect)).toBe(true);
    expect(await once("reports", event, effect)).toBe(false);
    expect(await once("audit", event, effect)).toBe(true);
    expect(effects).toBe(2);
  });

  it("forgets an event whose effect failed, so its redelivery runs it again", async () => {
    const event = envelope();
    await expect(once("reports", event, async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(await once("reports", event, async () => undefined)).toBe(true);
  });

  it("runs concurrent duplicates once", async () => {
    const event = envelope();
    let effects = 0;
    const results = await Promise.all([1, 2, 3, 4].map(() => once("reports", event, async () => void effects++)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(effects).toBe(1);
  });

  it("handles a batch in one transaction, an event twice in it once", async () => {
    const [a, b] = [envelope(), envelope()] as [EventEnvelope, EventEnvelope];
    const seen: string[] = [];
    const { results } = await handleBatch(orm, "ledger", "reports", [a, b, a], async (fresh) => void seen.push(...fresh.map((event) => event.id)));
    expect(results).toEqual([true, true, false]);
    expect(seen).toEqual([a.id, b.id]);
  });

  it("does not let one failing event hold back the others of its batch, and relays only what committed", async () => {
    const [good, bad, other] = [envelope(), envelope(), envelope()] as [EventEnvelope, EventEnvelope, EventEnvelope];
    const { results, staged } = await handleBatch(orm, "ledger", "reports", [good, bad, other], async (fresh, em, out) => {
      for (const event of fresh) {
        publisherFor(em, tables.Outbox, null, out)({ name: "ledger.entry.recorded", payload: {} as never }, { of: event.id } as never);
        if (event.id === bad.id) throw new Error("bad event");
      }
    });
    expect(results.map((result) => (result instanceof Error ? result.message : result))).toEqual([true, "bad event", true]);
    expect(staged.map((event) => (event.payload as { of: string }).of)).toEqual([good.id, other.id]);
    const handled = await db.query<{ event_id: string }>("select event_id from ledger.inbox where consumer = 'reports'");
    expect(handled.map((row) => row.event_id).sort()).toEqual([good.id, other.id].sort());
    const outbox = await db.query<{ payload: { of: string } }>("select payload from ledger.outbox");
    expect(outbox.map((row) => row.payload.of).sort()).toEqual([good.id, other.id].sort());
  });
});

describe("event table retention", () => {
  it("deletes outbox rows published over 7 days ago and inbox records over 30 days old; keeps the rest and dead rows", async () => {
    const day = 24 * 3600 * 1000;
    const ago = (days: number) => new Date(Date.now() - days * day);
    const outbox = (published: Date | null, dead: Date | null) =>
      db.query("insert into ledger.outbox (id, name, payload, occurred_at, published_at, dead_at) values ($1, 'ledger.entry.recorded', '{}', $2, $3, $4)", [randomUUID(), ago(40), published, dead]);
    await outbox(ago(8), null);
    await outbox(ago(6), null);
    await outbox(null, ago(40));
    await outbox(null, null);
    const inbox = (handled: Date) => db.query("insert into ledger.inbox (event_id, consumer, handled_at) values ($1, 'ledger', $2)", [randomUUID(), handled]);
    await inbox(ago(31));
    await inbox(ago(29));
    const relay = new OutboxRelay(orm, "ledger", new RecordingTransport(), log, settings);
    expect(await relay.prune()).toEqual({ outbox: 1, inbox: 1 });
    expect(await relay.prune()).toEqual({ outbox: 0, inbox: 0 });
    expect(await db.query("select count(*)::int as n from ledger.outbox")).toEqual([{ n: 3 }]);
    expect(await db.query("select count(*)::int as n from ledger.inbox")).toEqual([{ n: 1 }]);
  });
});
