/**
 * Moleculer authenticates no node: any process on the NATS subjects could call any action, or send
 * an INFO packet claiming another node's id. So every packet this deployment sends carries an HMAC,
 * under the deployment's bus secret, of its namespace, its command, the node it is addressed to, its
 * bytes and a timestamp; a packet received without a valid one (forged, unsigned, stale, replayed,
 * or re-sent to another node, as another command or into another namespace sharing the secret) is
 * dropped before Moleculer reads it. A replay is refused for as long as its timestamp would pass,
 * whatever the sender's clock; node ids change with every start (create-broker.ts), so a packet
 * recorded for a node before it restarted is addressed to no one after.
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

/** `now` is the clock, for tests of the time checks. */
export function signPackets(secret: string, log: Logger, now: () => number = Date.now): Middleware {
  // A key object made once: given bytes, every HMAC would first turn them into one.
  const key = createSecretKey(Buffer.from(secret, "utf8"));
  // Each MAC seen, until the moment its packet's timestamp stops passing the time check: a replay
  // that could pass it always finds it here, however far the sender's clock is from ours.
  const seen = new Map<string, number>();
  let pruned = now();
  let ownNodeID = "";
  let namespace = "";
  let dropped = 0;

  const mac = (cmd: string, target: string, data: Buffer, time: Buffer) =>
    createHmac("sha256", key).update(`${namespace}\n${cmd}\n${target}\n`).update(data).update(time).digest();

  const remember = (id: string, sentAt: number, at: number): boolean => {
    if (at - pruned > MAX_SKEW_MS) {
      for (const [known, until] of seen) if (until < at) seen.delete(known);
      pruned = at;
    }
    if (seen.has(id)) return false;
    seen.set(id, sentAt + MAX_SKEW_MS);
    return true;
  };

  const open = (cmd: string, packet: Buffer): Buffer | null => {
    if (!Buffer.isBuffer(packet) || packet.length < MAC_BYTES + TIME_BYTES) return null;
    const data = packet.subarray(0, packet.length - MAC_BYTES - TIME_BYTES);
    const time = packet.subarray(data.length, data.length + TIME_BYTES);
    const given = packet.subarray(packet.length - MAC_BYTES);
    // Addressed to this node, or to everyone (a broadcast arrives on the same command).
    if (!timingSafeEqual(given, mac(cmd, ownNodeID, data, time)) && !timingSafeEqual(given, mac(cmd, "", data, time))) return null;
    const at = now();
    const sentAt = Number(time.readBigUInt64BE());
    if (Math.abs(at - sentAt) > MAX_SKEW_MS) return null;
    return remember(given.toString("latin1", 0, REMEMBERED_BYTES), sentAt, at) ? data : null;
  };

  return {
    name: "SignPackets",
    created(broker: ServiceBroker) {
      ownNodeID = broker.nodeID;
      namespace = broker.namespace ?? "";
    },
    transporterSend(next: Send): Send {
      return (topic, data, meta) => {
        const time = Buffer.alloc(TIME_BYTES);
        time.writeBigUInt64BE(BigInt(now()));
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
