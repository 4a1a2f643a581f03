/**
 * Moleculer authenticates no node: any process on the NATS subjects could call any action, or send
 * an INFO packet claiming another node's id. So every packet this deployment sends carries an HMAC,
 * under the deployment's bus secret, of its command, the node it is addressed to, its bytes and a
 * timestamp; a packet received without a valid one (forged, unsigned, stale, replayed, or re-sent
 * to another node or as another command) is dropped before Moleculer reads it.
 */
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import type { Middleware, ServiceBroker } from "moleculer";
import type { Logger } from "pino";

const MAC_BYTES = 32;
const TIME_BYTES = 8;
/** Packets older (or newer) than this are refused; within it, each MAC is accepted once. */
const MAX_SKEW_MS = 30_000;
/** A MAC is remembered by its first bytes: 128 bits never collide by chance. */
const REMEMBERED_BYTES = 16;

type Send = (topic: string, data: Buffer, meta: unknown) => Promise<void>;
type Receive = (cmd: string, data: Buffer, s: unknown) => unknown;

export function signPackets(secret: string, log: Logger): Middleware {
  // A key object made once: given bytes, every HMAC would first turn them into one.
  const key = createSecretKey(Buffer.from(secret, "utf8"));
  // MACs seen in the current and the previous generation of 2 × MAX_SKEW_MS each. A packet passes
  // the time check only within MAX_SKEW_MS of its timestamp, so a replay that could pass it comes
  // within 2 × MAX_SKEW_MS of the original, and the original is still remembered then.
  let seen = new Set<string>();
  let previous = new Set<string>();
  let rotated = Date.now();
  let ownNodeID = "";
  let dropped = 0;

  const mac = (cmd: string, target: string, data: Buffer, time: Buffer) =>
    createHmac("sha256", key).update(`${cmd}\n${target}\n`).update(data).update(time).digest();

  const remember = (id: string, now: number): boolean => {
    if (now - rotated > 2 * MAX_SKEW_MS) {
      previous = seen;
      seen = new Set();
      rotated = now;
    }
    if (seen.has(id) || previous.has(id)) return false;
    seen.add(id);
    return true;
  };

  const open = (cmd: string, packet: Buffer): Buffer | null => {
    if (!Buffer.isBuffer(packet) || packet.length < MAC_BYTES + TIME_BYTES) return null;
    const data = packet.subarray(0, packet.length - MAC_BYTES - TIME_BYTES);
    const time = packet.subarray(data.length, data.length + TIME_BYTES);
    const given = packet.subarray(packet.length - MAC_BYTES);
    // Addressed to this node, or to everyone (a broadcast arrives on the same command).
    if (!timingSafeEqual(given, mac(cmd, ownNodeID, data, time)) && !timingSafeEqual(given, mac(cmd, "", data, time))) return null;
    const now = Date.now();
    if (Math.abs(now - Number(time.readBigUInt64BE())) > MAX_SKEW_MS) return null;
    return remember(given.toString("latin1", 0, REMEMBERED_BYTES), now) ? data : null;
  };

  return {
    name: "SignPackets",
    created(broker: ServiceBroker) {
      ownNodeID = broker.nodeID;
    },
    transporterSend(next: Send): Send {
      return (topic, data, meta) => {
        const time = Buffer.alloc(TIME_BYTES);
        time.writeBigUInt64BE(BigInt(Date.now()));
        const { cmd, target } = addressOf(topic);
        return next(topic, Buffer.concat([data, time, mac(cmd, target, data, time)]), meta);
      };
    },
    transporterReceive(next: Receive): Receive {
      return (cmd, packet, s) => {
        const data = open(cmd, packet);
        if (data) return next(cmd, data, s);
        // A flood of forged packets must not flood the logs too.
        if (dropped++ % 1000 === 0) log.warn({ cmd, dropped }, "dropped a packet without a valid signature");
        return undefined;
      };
    },
  } as unknown as Middleware;
}

/**
 * `MOL-<namespace>.<CMD>[.<nodeID>]` → the command (as the receiver is handed it) and the node it
 * is addressed to ("" for a broadcast). Balanced topics (REQB, EVENTB) name an action or group, not
 * a node, and arrive as plain REQ and EVENT.
 */
function addressOf(topic: string): { cmd: string; target: string } {
  const [, cmd = "", ...rest] = topic.split(".");
  if (cmd === "REQB") return { cmd: "REQ", target: "" };
  if (cmd === "EVENTB") return { cmd: "EVENT", target: "" };
  return { cmd, target: rest.join(".") };
}
