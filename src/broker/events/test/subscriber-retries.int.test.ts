/**
 * In one process, delivery state is per subscriber: a subscriber that fails an event keeps it and
 * retries it itself, while the publisher is done with it and the other subscribers are never held
 * back or asked again. On the real PostgreSQL, with modules hosted as a process hosts them.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/support/postgres.ts";
import { AuthKeys } from "../../auth.ts";
import { defineContract, Type } from "../../contract-kit.ts";
import { createBroker, type Broker } from "../../create-broker.ts";
import { createLogger } from "../../logger.ts";
import { hostModule } from "../../module-host.ts";
import { defineModule, on, type ModuleRuntime } from "../../module.ts";
import { loadConfig } from "../../../config.ts";
import { SubscriberRetries } from "../retries.ts";
import { LocalTransport, type EventEnvelope } from "../transport.ts";

const Ledger = defineContract({ name: "ledger", actions: {}, events: { "ledger.entry.recorded": Type.Object({ n: Type.Integer() }) } });
const Audit = defineContract({ name: "audit", actions: {}, events: {} });
const Fragile = defineContract({ name: "fragile", actions: {}, events: {} });

const audited: string[] = [];
const fragileHandled: string[] = [];
let fragileAttempts = 0;
let healed = false;

const subscriber = (contract: typeof Audit | typeof Fragile, handle: (eventId: string) => void) =>
  defineModule({ contract, entities: [], migrations: [], handlers: () => ({}), subscriptions: [on(Ledger.events["ledger.entry.recorded"], async (_payload, ctx) => handle(ctx.eventId))] });

let db: TestDatabase;
let dataDir: string;
let broker: Broker;
const runtimes: ModuleRuntime[] = [];
let ledger: ModuleRuntime;

beforeAll(async () => {
  db = await createTestDatabase("retries");
  dataDir = await mkdtemp(path.join(tmpdir(), "bazaar-retries-"));
  const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, DATABASE_URL: db.url }, ["ledger", "audit", "fragile"]);
  const log = createLogger("silent");
  const auth = await AuthKeys.load(config);
  broker = createBroker({ namespace: `retries-${randomBytes(4).toString("hex")}`, logger: log, logLevel: "silent", ...config.broker });
  const events = new LocalTransport();
  const host = { target: { kind: "postgres" as const, url: db.url, poolMax: 2 }, auth, identity: undefined, config, events, log };
  ledger = await hostModule(broker, defineModule({ contract: Ledger, entities: [], migrations: [], handlers: () => ({}) }), host);
  runtimes.push(ledger);
  runtimes.push(await hostModule(broker, subscriber(Audit, (id) => void audited.push(id)), host));
  runtimes.push(
    await hostModule(broker, subscriber(Fragile, (id) => {
      fragileAttempts++;
      if (!healed) throw new Error("fragile is not ready");
      fragileHandled.push(id);
    }), host),
  );
  await broker.start();
  for (const runtime of runtimes) runtime.relay.start();
});

afterAll(async () => {
  for (const runtime of runtimes) await runtime.relay.stop();
  await broker?.stop();
  for (const runtime of runtimes) await runtime.orm.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("one process, a failing subscriber", () => {
  it("holds back no other subscriber and leaves the publisher done; it retries the event itself until it handles it", async () => {
    await ledger.transactional(async ({ publish }) => publish(Ledger.events["ledger.entry.recorded"], { n: 1 }));
    const [{ id }] = (await db.query<{ id: string }>("select id from ledger.outbox")) as [{ id: string }];
    await vi.waitFor(async () => {
      expect(audited).toEqual([id]);
      // Published and done with, although one subscriber failed it.
      expect(await db.query("select published_at is not null as published, attempts, dead_at from ledger.outbox where id = $1", [id])).toEqual([{ published: true, attempts: 0, dead_at: null }]);
      expect(await db.query("select attempts, dead_at, last_error from fragile.event_retries where event_id = $1", [id])).toEqual([{ attempts: 1, dead_at: null, last_error: "fragile is not ready" }]);
    }, { timeout: 5_000 });
    healed = true;
    // The first retry is due a second later: fragile alone handles it, audit is not asked again.
    await vi.waitFor(() => expect(fragileHandled).toEqual([id]), { timeout: 5_000 });
    expect(await db.query("select 1 from fragile.event_retries")).toEqual([]);
    expect(audited).toEqual([id]);
    expect(await db.query("select consumer from audit.inbox union all select consumer from fragile.inbox order by 1")).toEqual([{ consumer: "audit" }, { consumer: "fragile" }]);
  });
});

describe("SubscriberRetries", () => {
  const envelope = (): EventEnvelope => ({ id: randomUUID(), name: "ledger.entry.recorded", payload: { n: 2 }, occurredAt: new Date().toISOString(), requestId: null });

  it("backs off, gives up after maxAttempts and keeps the event as its dead letter, and a redrive gives it a fresh round", async () => {
    const retries = new SubscriberRetries(runtimes[0]?.orm as ModuleRuntime["orm"], "ledger", "tests", { maxAttempts: 3, leaseS: 60, batchSize: 10 });
    const event = envelope();
    await retries.keep(event, new Error("first failure"));
    await retries.keep(event, new Error("a redelivery of the same event")); // kept once
    const failing = async () => {
      throw new Error("still failing");
    };
    // Not due yet: nothing is delivered, and the next is due within the first backoff (1 s).
    const delivered: string[] = [];
    const nextMs = await retries.retryDue(async (e) => void delivered.push(e.id));
    expect(delivered).toEqual([]);
    expect(nextMs).toBeGreaterThan(0);
    expect(nextMs).toBeLessThanOrEqual(1_000);
    const due = () => db.query("update ledger.event_retries set next_at = now() where consumer = 'tests'");
    await due();
    await retries.retryDue(failing);
    expect(await db.query("select attempts, dead_at is null as alive, next_at > now() + interval '1 second' as backed_off from ledger.event_retries where consumer = 'tests'")).toEqual([{ attempts: 2, alive: true, backed_off: true }]);
    await due();
    expect(await retries.retryDue(failing)).toBeUndefined(); // dead: nothing left due
    expect(await retries.report()).toEqual({ waiting: 0, dead: 1, deadLetters: [{ id: event.id, name: event.name, occurredAt: event.occurredAt, attempts: 3, error: "still failing" }] });
    await due();
    expect(await retries.retryDue(async (e) => void delivered.push(e.id))).toBeUndefined();
    expect(delivered).toEqual([]); // a dead letter waits for a redrive

    expect(await retries.redrive(randomUUID())).toBe(false);
    expect(await retries.redrive(event.id)).toBe(true);
    expect(await retries.report()).toMatchObject({ waiting: 1, dead: 0 });
    await retries.retryDue(async (e) => void delivered.push(e.id));
    expect(delivered).toEqual([event.id]);
    expect(await retries.report()).toEqual({ waiting: 0, dead: 0, deadLetters: [] });
  });
});
