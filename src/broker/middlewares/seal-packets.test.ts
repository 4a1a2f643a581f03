import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { sealPackets } from "./seal-packets.ts";

type Hooks = {
  created(broker: { nodeID: string; namespace: string }): void;
  transporterSend(next: (topic: string, data: Buffer) => Promise<void>): (topic: string, data: Buffer, meta: unknown) => Promise<void>;
  transporterReceive(next: (cmd: string, data: Buffer) => unknown): (cmd: string, data: Buffer, s: unknown) => unknown;
};

const SECRET = "bus-secret-for-tests-at-least-32-chars";

function node(nodeID: string, secret = SECRET, options: { namespace?: string; clock?: () => number } = {}) {
  const hooks = sealPackets(secret, createLogger("silent"), options.clock) as unknown as Hooks;
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
