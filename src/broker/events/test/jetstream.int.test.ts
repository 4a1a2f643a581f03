import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { connect, headers, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { NATS_URL } from "../../../../test/support/topology.ts";
import { createLogger } from "../../logger.ts";
import { listDeadLetters, redriveDeadLetters } from "../dead-letters.ts";
import { eventSeal } from "../event-seal.ts";
import { JetStreamTransport } from "../jetstream-transport.ts";
import type { EventEnvelope } from "../transport.ts";

const log = createLogger("silent");
const namespace = `jstest-${randomBytes(4).toString("hex")}`;
const redelivery = { maxDeliver: 3, backoffMs: [50] };
const SECRET = "jetstream-test-secret-of-at-least-32-chars";
const open: JetStreamTransport[] = [];
const at = { natsUrl: NATS_URL, namespace, secret: SECRET };
/** What a member of another deployment (or a namespace sharing the secret) would seal. */
const foreign = eventSeal("another-secret-of-at-least-32-characters", namespace);
let nc: NatsConnection;

async function transport(settings: Partial<typeof redelivery & { ackWaitMs: number }> = {}): Promise<JetStreamTransport> {
  const t = await JetStreamTransport.connect({ url: NATS_URL, namespace, log, redelivery: { ...redelivery, ...settings }, secret: SECRET });
  open.push(t);
  return t;
}

const envelope = (name = "ledger.entry.recorded"): EventEnvelope => ({
  id: randomUUID(),
  name,
  payload: { at: Date.now() },
  occurredAt: new Date().toISOString(),
  requestId: "req-js",
});

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
});
afterAll(async () => {
  for (const t of open) await t.close().catch(() => undefined);
  const jsm = await nc.jetstreamManager();
  for (const stream of [`${namespace}_events`, `${namespace}_dead_letters`]) await jsm.streams.delete(stream).catch(() => undefined);
  await nc.close();
});

describe("JetStream transport", () => {
  it("delivers to a subscriber that was down when the event was published", async () => {
    const publisher = await transport();
    const event = envelope();
    await publisher.publish(event);
    const received: EventEnvelope[] = [];
    const subscriber = await transport();
    await subscriber.subscribe("reports", ["ledger.entry.recorded"], async (e) => void received.push(e));
    await vi.waitFor(() => expect(received.map((e) => e.id)).toContain(event.id), { timeout: 5_000 });
    expect(received.find((e) => e.id === event.id)).toEqual(event);
  });

  it("puts events on NATS encrypted: nothing of the payload, id or name can be read from the stream", async () => {
    const t = await transport();
    const event = { ...envelope("ledger.entry.private"), payload: { email: "ada@example.com", paymentToken: "tok_secret_visa" } };
    await t.publish(event);
    const stored = await (await nc.jetstreamManager()).streams.getMessage(t.streamName, { last_by_subj: t.subjectOf(event.name) });
    const text = Buffer.from(stored.data).toString("latin1");
    for (const secret of ["ada@example.com", "tok_secret_visa", event.id, "ledger.entry.private", "req-js"]) expect(text).not.toContain(secret);
    expect(stored.header?.get("Bazaar-Signature")).toBeFalsy();
  });

  it("never handles an event that does not open with the deployment's secret and namespace", async () => {
    const t = await transport();
    const received: string[] = [];
    await t.subscribe("careful", ["ledger.entry.forged"], async (e) => void received.push(e.id));
    const js = nc.jetstream();
    const forged = envelope("ledger.entry.forged");
    // In clear; sealed with another secret; sealed for another namespace with this secret; altered.
    await js.publish(t.subjectOf(forged.name), JSON.stringify(forged));
    await js.publish(t.subjectOf(forged.name), foreign.seal({ ...forged, id: randomUUID() }));
    await js.publish(t.subjectOf(forged.name), eventSeal(SECRET, `${namespace}-other`).seal({ ...forged, id: randomUUID() }));
    const altered = eventSeal(SECRET, namespace).seal({ ...forged, id: randomUUID() });
    altered[20] = (altered[20] as number) ^ 1;
    await js.publish(t.subjectOf(forged.name), altered);
    // Sealed by a member, but published under another event's subject: also refused.
    await js.publish(t.subjectOf("ledger.entry.forged"), eventSeal(SECRET, namespace).seal(envelope("ledger.entry.other")));
    const genuine = envelope("ledger.entry.forged");
    await t.publish(genuine);
    await vi.waitFor(() => expect(received).toContain(genuine.id), { timeout: 5_000 });
    expect(received).toEqual([genuine.id]);
  });

  it("still handles an event of the release before sealing (plain, with its valid HMAC), and no unsigned one", async () => {
    const t = await transport();
    const received: string[] = [];
    await t.subscribe("upgraded", ["ledger.entry.legacy"], async (e) => void received.push(e.id));
    const legacy = (event: EventEnvelope, secret: string) => {
      const data = new TextEncoder().encode(JSON.stringify(event));
      const h = headers();
      h.set("Bazaar-Signature", createHmac("sha256", secret).update(data).digest("base64"));
      return nc.jetstream().publish(t.subjectOf(event.name), data, { headers: h });
    };
    const [inFlight, forged] = [envelope("ledger.entry.legacy"), envelope("ledger.entry.legacy")];
    await legacy(forged, "another-secret-of-at-least-32-characters");
    await legacy(inFlight, SECRET);
    await vi.waitFor(() => expect(received).toEqual([inFlight.id]), { timeout: 5_000 });
  });

  it("drops a republished duplicate by its message id", async () => {
    const t = await transport();
    const received: string[] = [];
    await t.subscribe("dedupe", ["ledger.entry.deduped"], async (e) => void received.push(e.id));
    const event = envelope("ledger.entry.deduped");
    await t.publish(event);
    await t.publish(event);
    const marker = envelope("ledger.entry.deduped");
    await t.publish(marker);
    await vi.waitFor(() => expect(received).toContain(marker.id), { timeout: 5_000 });
    expect(received.filter((id) => id === event.id)).toHaveLength(1);
  });

  it("redelivers a failed event, dead-letters it after maxDeliver attempts, and redrives it on demand", async () => {
    const t = await transport();
    let attempts = 0;
    let healed = false;
    const handled: string[] = [];
    await t.subscribe("fragile", ["ledger.entry.poisoned"], async (e) => {
      attempts++;
      if (!healed) throw new Error("cannot handle");
      handled.push(e.id);
    });
    const event = envelope("ledger.entry.poisoned");
    await t.publish(event);
    const jsm = await nc.jetstreamManager();
    await vi.waitFor(async () => {
      const info = await jsm.streams.info(t.deadLetterStreamName);
      expect(info.state.messages).toBe(1);
    }, { timeout: 5_000 });
    expect(attempts).toBe(3);
    const dead = await jsm.streams.getMessage(t.deadLetterStreamName, { last_by_subj: `${namespace}.dead.fragile.ledger.entry.poisoned` });
    expect(eventSeal(SECRET, namespace).open(dead.data)?.id).toBe(event.id);
    expect(dead.header.get("Bazaar-Error")).toBe("cannot handle");
    expect((await listDeadLetters(at)).letters).toEqual([expect.objectContaining({ consumer: "fragile", error: "cannot handle", event: event.name, envelope: event })]);
    healed = true;
    expect(await redriveDeadLetters(at)).toEqual({ redriven: 1, refused: 0 });
    await vi.waitFor(() => expect(handled).toEqual([event.id]), { timeout: 5_000 });
    expect((await listDeadLetters(at)).letters).toEqual([]);
  });

  /** A consumer of `event` that fails it with `error` until healed, and the ids it handled since. */
  async function failingUntilHealed(t: JetStreamTransport, consumer: string, event: string, error: string) {
    const state = { healed: false, handled: [] as string[] };
    await t.subscribe(consumer, [event], async (e) => {
      if (!state.healed) throw new Error(error);
      state.handled.push(e.id);
    });
    return state;
  }

  it("lists the last dead letters when asked for a few, and redrives one by its sequence", async () => {
    const t = await transport();
    const picky = await failingUntilHealed(t, "picky", "ledger.entry.refused", "refused");
    const [first, second] = [envelope("ledger.entry.refused"), envelope("ledger.entry.refused")];
    await t.publish(first);
    await t.publish(second);
    await vi.waitFor(async () => expect((await listDeadLetters(at)).total).toBe(2), { timeout: 10_000, interval: 200 });
    const { letters: [newest] } = await listDeadLetters(at, 1);
    const { letters: all } = await listDeadLetters(at);
    expect(all.map((letter) => letter.envelope?.id).sort()).toEqual([first.id, second.id].sort());
    expect(newest).toEqual(all[1]);
    picky.healed = true;
    expect(await redriveDeadLetters(at, (all[0] as { sequence: number }).sequence)).toEqual({ redriven: 1, refused: 0 });
    await vi.waitFor(() => expect(picky.handled).toEqual([all[0]?.envelope?.id]), { timeout: 5_000 });
    expect((await listDeadLetters(at)).letters).toEqual([all[1]]);
    expect(await redriveDeadLetters(at, 999_999)).toEqual({ redriven: 0, refused: 0 });
    expect(await redriveDeadLetters(at)).toEqual({ redriven: 1, refused: 0 });
  });

  it("keeps a dead event's own sealed bytes, and redrives only what opens: a letter forged into the stream stays", async () => {
    const t = await transport();
    const careful = await failingUntilHealed(t, "careful", "ledger.entry.checked", "not yet");
    const genuine = envelope("ledger.entry.checked");
    await t.publish(genuine);
    await vi.waitFor(async () => expect((await listDeadLetters(at)).total).toBe(1), { timeout: 10_000, interval: 200 });
    const [kept] = (await listDeadLetters(at)).letters;
    const published = await (await nc.jetstreamManager()).streams.getMessage(t.streamName, { last_by_subj: t.subjectOf(genuine.name) });
    expect(Buffer.from(kept?.data as Uint8Array).equals(Buffer.from(published.data))).toBe(true);

    // Anyone who may publish dead letters (every module may, for its own consumers) could forge one.
    const h = headers();
    h.set("Bazaar-Consumer", "careful");
    await nc.jetstream().publish(`${namespace}.dead.careful.ledger.entry.checked`, foreign.seal(envelope("ledger.entry.checked")), { headers: h });
    const listed = (await listDeadLetters(at)).letters;
    expect(listed.map((letter) => [letter.event, letter.envelope?.id])).toEqual([["ledger.entry.checked", genuine.id], ["ledger.entry.checked", undefined]]);
    careful.healed = true;
    expect(await redriveDeadLetters(at)).toEqual({ redriven: 1, refused: 1 });
    await vi.waitFor(() => expect(careful.handled).toEqual([genuine.id]), { timeout: 5_000 });
    expect((await listDeadLetters(at)).letters.map((letter) => letter.envelope)).toEqual([undefined]);
  });

  it("dead-letters an event whose every delivery timed out, instead of dropping it", async () => {
    const t = await transport({ ackWaitMs: 300 });
    let deliveries = 0;
    // A handler that never settles, as a process killed mid-handling would leave it.
    await t.subscribe("stuck", ["ledger.entry.stuck"], () => {
      deliveries++;
      return new Promise<void>(() => undefined);
    });
    const event = envelope("ledger.entry.stuck");
    await t.publish(event);
    await vi.waitFor(async () => {
      const { letters } = await listDeadLetters(at);
      expect(letters).toContainEqual(expect.objectContaining({ consumer: "stuck", envelope: event, error: "not settled in 3 deliveries (timed out or its process died)" }));
    }, { timeout: 10_000, interval: 200 });
    expect(deliveries).toBe(3);
  });

  it("keeps consuming when its consumer is deleted under it", async () => {
    const t = await transport();
    const handled: string[] = [];
    await t.subscribe("resilient", ["ledger.entry.kept"], async (e) => void handled.push(e.id));
    const first = envelope("ledger.entry.kept");
    await t.publish(first);
    await vi.waitFor(() => expect(handled).toEqual([first.id]), { timeout: 5_000 });
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.delete(t.streamName, "resilient__ledger-entry-kept");
    const second = envelope("ledger.entry.kept");
    await t.publish(second);
    await vi.waitFor(() => expect(handled).toContain(second.id), { timeout: 20_000, interval: 200 });
  }, 30_000);
});
