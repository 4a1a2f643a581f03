import { describe, expect, it } from "vitest";
import { BusIdentity } from "../bus-identity.ts";
import { createLogger } from "../logger.ts";
import { sealPackets } from "./seal-packets.ts";

type Hooks = {
  created(broker: { nodeID: string; namespace: string }): void;
  transporterSend(next: (topic: string, data: Buffer) => Promise<void>): (topic: string, data: Buffer, meta: unknown) => Promise<void>;
  transporterReceive(next: (cmd: string, data: Buffer) => unknown): (cmd: string, data: Buffer, s: unknown) => unknown;
};

const SECRET = "bus-secret-for-tests-at-least-32-chars";

function node(nodeID: string, secret = SECRET, options: { namespace?: string; clock?: () => number } = {}) {
  const hooks = sealPackets(secret, createLogger("silent"), { now: options.clock }) as unknown as Hooks;
  hooks.created({ nodeID, namespace: options.namespace ?? "bazaar" });
  const sent: Buffer[] = [];
  const received: string[] = [];
  const send = hooks.transporterSend(async (_topic, data) => void sent.push(data));
  const receive = hooks.transporterReceive((cmd, data) => void received.push(`${cmd}:${data.toString()}`));
  return { send: (topic: string, body: string) => send(topic, Buffer.from(body), {}).then(() => sent.at(-1) as Buffer), receive: (cmd: string, packet: Buffer) => receive(cmd, packet, {}), received };
}

describe("sealed packets", () => {
  it("cannot be read on the wire: a login's password and a call's token are not in the bytes", async () => {
    const body = '{"action":"identity.login","params":{"email":"ada@example.com","password":"correct horse"},"meta":{"authToken":"eyJhbGciOi.secret"}}';
    const [a, b] = [node("a"), node("b")];
    const packet = await a.send("MOL-bazaar.REQ.b", body);
    for (const secret of ["correct horse", "ada@example.com", "eyJhbGciOi", "identity.login"]) expect(packet.includes(secret), secret).toBe(false);
    // Two packets of the same bytes look nothing alike.
    expect((await a.send("MOL-bazaar.REQ.b", body)).equals(packet)).toBe(false);
    b.receive("REQ", packet);
    expect(b.received).toEqual([`REQ:${body}`]);
  });

  it("never share an IV: none repeats within a node, and two nodes draw different fields", async () => {
    const [a, b] = [node("a"), node("b")];
    const ivs = new Set<string>();
    for (let i = 0; i < 1000; i++) ivs.add((await a.send("MOL-bazaar.REQ.b", "{}")).subarray(0, 12).toString("hex"));
    ivs.add((await b.send("MOL-bazaar.REQ.a", "{}")).subarray(0, 12).toString("hex"));
    expect(ivs.size).toBe(1001);
  });

  it("reach the node they were sent to, once", async () => {
    const [a, b] = [node("a"), node("b")];
    const packet = await a.send("MOL-bazaar.REQ.b", '{"action":"x"}');
    b.receive("REQ", packet);
    b.receive("REQ", packet);
    expect(b.received).toEqual(['REQ:{"action":"x"}']);
  });

  it("are refused when re-sent to another node, as another command, altered, or signed with another secret", async () => {
    const [a, c] = [node("a"), node("c")];
    const packet = await a.send("MOL-bazaar.REQ.b", '{"action":"x"}');
    c.receive("REQ", packet);
    const discover = await a.send("MOL-bazaar.DISCOVER.c", '{"sender":"a"}');
    c.receive("DISCONNECT", discover);
    const tampered = Buffer.from(discover);
    tampered[2] = tampered[2] === 0x41 ? 0x42 : 0x41;
    c.receive("DISCOVER", tampered);
    c.receive("INFO", await node("a", "another-secret-of-at-least-32-chars!!").send("MOL-bazaar.INFO", "{}"));
    c.receive("INFO", Buffer.from("{}"));
    expect(c.received).toEqual([]);
  });

  it("accept broadcasts on every node", async () => {
    const [a, b, c] = [node("a"), node("b"), node("c")];
    const heartbeat = await a.send("MOL-bazaar.HEARTBEAT", '{"cpu":1}');
    b.receive("HEARTBEAT", heartbeat);
    c.receive("HEARTBEAT", heartbeat);
    expect([b.received, c.received]).toEqual([['HEARTBEAT:{"cpu":1}'], ['HEARTBEAT:{"cpu":1}']]);
  });

  it("are refused in another namespace that shares the secret", async () => {
    const packet = await node("a").send("MOL-bazaar.REQ.b", '{"action":"x"}');
    const elsewhere = node("b", SECRET, { namespace: "staging" });
    elsewhere.receive("REQ", packet);
    expect(elsewhere.received).toEqual([]);
  });

  it("are refused when replayed for as long as their timestamp would pass, whatever the sender's clock", async () => {
    let time = 1_000_000_000_000;
    const clock = () => time;
    // The sender's clock runs 20 s ahead: its packets pass the time check until 50 s after they were sent.
    const ahead = node("a", SECRET, { clock: () => time + 20_000 });
    const b = node("b", SECRET, { clock });
    const packet = await ahead.send("MOL-bazaar.REQ.b", '{"action":"x"}');
    b.receive("REQ", packet);
    // Other traffic meanwhile, as on a busy bus.
    for (const seconds of [31, 49]) {
      time += (seconds - (time - 1_000_000_000_000) / 1000) * 1000;
      b.receive("REQ", await ahead.send("MOL-bazaar.REQ.b", `{"n":${seconds}}`));
      b.receive("REQ", packet);
    }
    expect(b.received).toEqual(['REQ:{"action":"x"}', 'REQ:{"n":31}', 'REQ:{"n":49}']);
  });
});

type Packet = { payload: { sender: string; id?: string; metadata?: unknown; services?: { name: string }[] } };
type PairHooks = Hooks & {
  created(broker: { nodeID: string; namespace: string; transit?: unknown }): void;
  transitMessageHandler(next: (cmd: string, packet: Packet) => Promise<boolean>): (cmd: string, packet: Packet) => Promise<boolean>;
};

/** A node with a bus identity, wired as Moleculer wires it: the packet is opened, read, then handed on. */
function pairedNode(nodeID: string, pending = new Map<string, { nodeID: string; action: { name: string } }>()) {
  const identity = new BusIdentity({ own: new Map(), known: new Map() }, SECRET, createLogger("silent"));
  const hooks = sealPackets(SECRET, createLogger("silent"), { identity, announcementWaitMs: 100 }) as unknown as PairHooks;
  hooks.created({ nodeID, namespace: "bazaar", transit: { pendingRequests: pending } });
  const sent: Buffer[] = [];
  const received: string[] = [];
  const handle = hooks.transitMessageHandler(async (cmd, packet) => (received.push(`${cmd}:${JSON.stringify(packet.payload)}`), true));
  const receive = hooks.transporterReceive((cmd, data) => handle(cmd, { payload: JSON.parse(data.toString()) }));
  const send = hooks.transporterSend(async (_topic, data) => void sent.push(data));
  const info: Packet["payload"] = { sender: nodeID, services: [], metadata: { bazaar: identity.announce("bazaar", nodeID) } };
  return {
    nodeID,
    received,
    pending,
    /** What the others learn from this node's INFO packet. */
    meet: (...others: { info: Packet["payload"] }[]) => others.forEach((other) => handle("INFO", { payload: structuredClone(other.info) })),
    info,
    send: (topic: string, payload: object) => send(topic, Buffer.from(JSON.stringify(payload)), {}).then(() => sent.at(-1) as Buffer),
    receive: (cmd: string, packet: Buffer) => receive(cmd, packet, {}),
  };
}

describe("calls and answers between two nodes", () => {
  it("cannot be opened by a third node that holds the bus secret", async () => {
    const [a, b] = [pairedNode("a"), pairedNode("b")];
    a.meet(b);
    b.meet(a);
    const request = await a.send("MOL-bazaar.REQ.b", { sender: "a", action: "identity.login", params: { password: "correct horse" } });
    // Another holder of the bus secret listens on b's subject (NATS lets it) and opens as b would.
    const eavesdropper = pairedNode("b");
    eavesdropper.meet(a);
    eavesdropper.receive("REQ", request);
    expect(eavesdropper.received.filter((line) => line.startsWith("REQ"))).toEqual([]);
    b.receive("REQ", request);
    expect(b.received.filter((line) => line.startsWith("REQ"))).toHaveLength(1);
  });

  it("are refused sealed under the bus key alone, or from a node posing as another", async () => {
    const [a, b, c] = [pairedNode("a"), pairedNode("b"), pairedNode("c")];
    for (const n of [a, b, c]) n.meet(...[a, b, c].filter((other) => other !== n));
    // c seals a call to b with its own pair key but names a as the sender.
    b.receive("REQ", await c.send("MOL-bazaar.REQ.b", { sender: "a", action: "inventory.releaseStock" }));
    // c answers a's call to b as if it were b.
    a.pending.set("r1", { nodeID: "b", action: { name: "$ops.status" } });
    a.receive("RES", await c.send("MOL-bazaar.RES.a", { sender: "b", id: "r1", data: { price: 1 } }));
    // c answers a's call to b as itself.
    a.receive("RES", await c.send("MOL-bazaar.RES.a", { sender: "c", id: "r1", data: { price: 1 } }));
    // An old-style packet sealed with the bus secret only.
    b.receive("REQ", await node("a").send("MOL-bazaar.REQ.b", JSON.stringify({ sender: "a" })));
    expect([b.received, a.received].map((lines) => lines.filter((line) => !line.startsWith("INFO")))).toEqual([[], []]);
    a.receive("RES", await b.send("MOL-bazaar.RES.a", { sender: "b", id: "r1", data: { price: 500 } }));
    expect(a.received.filter((line) => line.startsWith("RES"))).toEqual(['RES:{"sender":"b","id":"r1","data":{"price":500}}']);
  });

  it("hold a call that overtook its node's announcement until it comes, and drop it if it never does", async () => {
    const [a, b] = [pairedNode("a"), pairedNode("b")];
    a.meet(b);
    const early = b.receive("REQ", await a.send("MOL-bazaar.REQ.b", { sender: "a", n: 1 })) as Promise<boolean>;
    b.meet(a);
    expect(await early).toBe(true);
    // A call naming a node that never announces itself (nor with that key) is not handled.
    const c = pairedNode("c");
    c.meet(b);
    expect(await (b.receive("REQ", await c.send("MOL-bazaar.REQ.b", { sender: "nobody", n: 2 })) as Promise<boolean>)).toBe(false);
    expect(b.received.filter((line) => line.startsWith("REQ"))).toEqual(['REQ:{"sender":"a","n":1}']);
  });

  it("are refused when they name the receiver as their sender", async () => {
    const [a, b] = [pairedNode("a"), pairedNode("b")];
    a.meet(b);
    b.meet(a);
    b.receive("REQ", await a.send("MOL-bazaar.REQ.b", { sender: "b", n: 1 }));
    b.receive("INFO", await a.send("MOL-bazaar.INFO", { sender: "b", services: [] }));
    expect(b.received.filter((line) => !line.startsWith("INFO:{\"sender\":\"a\""))).toEqual([]);
  });
});

