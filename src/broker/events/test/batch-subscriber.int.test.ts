/**
 * `onBatch` subscriptions: the events of one kind that arrive together reach the effect in one
 * call, in arrival order, cut where another kind of event comes between; what each one publishes
 * carries its own request id; and an event that fails its batch leaves the others handled and is
 * kept for a retry alone. On the real PostgreSQL, with the module hosted as a process hosts it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/support/postgres.ts";
import { AuthKeys } from "../../auth.ts";
import { defineContract, Type } from "../../contract-kit.ts";
import { createBroker, type Broker } from "../../create-broker.ts";
import { createLogger } from "../../logger.ts";
import { hostModule } from "../../module-host.ts";
import { defineModule, on, onBatch, type ModuleRuntime } from "../../module.ts";
import { loadConfig } from "../../../config.ts";
import { LocalTransport, type EventEnvelope } from "../transport.ts";

const Ledger = defineContract({
  name: "ledger",
  actions: {},
  events: { "ledger.entry.recorded": Type.Object({ n: Type.Integer() }), "ledger.entry.voided": Type.Object({ n: Type.Integer() }) },
});
const Tally = defineContract({ name: "tally", actions: {}, events: { "tally.entry.counted": Type.Object({ n: Type.Integer() }) } });

/** The `n`s of each call of the batch effect, and of the one-at-a-time one. */
const calls: number[][] = [];
const voided: number[] = [];
const FAILING = 13;

const tally = defineModule({
  contract: Tally,
  entities: [],
  migrations: [],
  handlers: () => ({}),
  subscriptions: [
    onBatch(Ledger.events["ledger.entry.recorded"], async (events) => {
      calls.push(events.map(({ payload }) => payload.n));
      if (events.some(({ payload }) => payload.n === FAILING)) throw new Error("thirteen is refused");
      for (const { payload, publish } of events) publish(Tally.events["tally.entry.counted"], { n: payload.n });
    }),
    on(Ledger.events["ledger.entry.voided"], async ({ n }) => void voided.push(n)),
  ],
});

let db: TestDatabase;
let dataDir: string;
let broker: Broker;
let runtime: ModuleRuntime;
const events = new LocalTransport();
const counted: EventEnvelope[] = [];

beforeAll(async () => {
  db = await createTestDatabase("batches");
  dataDir = await mkdtemp(path.join(tmpdir(), "bazaar-batches-"));
  const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, DATABASE_URL: db.url }, ["tally"]);
  const log = createLogger("silent");
  broker = createBroker({ namespace: `batches-${randomBytes(4).toString("hex")}`, logger: log, logLevel: "silent", ...config.broker });
  runtime = await hostModule(broker, tally, { target: { kind: "postgres", url: db.url, poolMax: 2 }, auth: await AuthKeys.load(config), identity: undefined, config, events, log });
  await events.subscribe("recorder", ["tally.entry.counted"], async (envelope) => void counted.push(envelope));
  await broker.start();
  runtime.relay.start();
});

afterAll(async () => {
  await runtime?.relay.stop();
  await broker?.stop();
  await runtime?.orm.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const envelope = (name: string, n: number): EventEnvelope => ({ id: randomUUID(), name, payload: { n }, occurredAt: new Date().toISOString(), requestId: `request-${n}` });
/** Delivers the events at once, as a relay does with what one commit staged; answers how each went. */
const arriveTogether = (envelopes: EventEnvelope[]) => Promise.allSettled(envelopes.map((e) => events.publish(e)));

describe("a batch subscription", () => {
  it("gets the events of its kind that arrive together in one call, in order, cut where another kind comes between", async () => {
    calls.length = 0;
    const recorded = (n: number) => envelope("ledger.entry.recorded", n);
    await arriveTogether([recorded(1), recorded(2), recorded(3), recorded(4), envelope("ledger.entry.voided", 5), recorded(6), recorded(7)]);
    // The first goes at once and alone; the rest arrive while it is handled and make one batch.
    expect(calls).toEqual([[1], [2, 3, 4], [6, 7]]);
    expect(voided).toEqual([5]);
    expect(await db.query("select count(*)::int as n from tally.inbox")).toEqual([{ n: 7 }]);
  });

  it("publishes what each event causes in that event's request", async () => {
    counted.length = 0;
    await arriveTogether([10, 11, 12].map((n) => envelope("ledger.entry.recorded", n)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(counted.map((e) => [e.payload, e.requestId])).toEqual([10, 11, 12].map((n) => [{ n }, `request-${n}`]));
  });

  it("handles the others of a batch one failing event fails, and keeps that one for a retry", async () => {
    calls.length = 0;
    const batch = [20, 21, FAILING, 22].map((n) => envelope("ledger.entry.recorded", n));
    const outcomes = await arriveTogether(batch);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    // The batch of three failed together, then each went alone.
    expect(calls).toEqual([[20], [21, FAILING, 22], [21], [FAILING], [22]]);
    const handled = await db.query<{ event_id: string }>("select event_id from tally.inbox where event_id = any($1::uuid[])", [batch.map((e) => e.id)]);
    expect(handled.map((row) => row.event_id).sort()).toEqual([batch[0], batch[1], batch[3]].map((e) => e?.id).sort());
    expect(await db.query("select event_id from tally.event_retries")).toEqual([{ event_id: batch[2]?.id }]);
  });
});
