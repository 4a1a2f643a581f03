/**
 * Moleculer authenticates no node: any process on the NATS subjects could call any action, or send
 * an INFO packet claiming another node's id. So every packet this deployment sends carries an
 * HMAC of its bytes and a timestamp, under the deployment's bus secret, and every packet received
 * without a valid one (forged, unsigned, stale, or replayed) is dropped before Moleculer reads it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Middleware } from "moleculer";
import type { Logger } from "pino";

const MAC_BYTES = 32;
const TIME_BYTES = 8;
/** Packets older (or newer) than this are refused; within it, each MAC is accepted once. */
const MAX_SKEW_MS = 30_000;

type Send = (topic: string, data: Buffer, meta: unknown) => Promise<void>;
type Receive = (cmd: string, data: Buffer, s: unknown) => unknown;

export function signPackets(secret: string, log: Logger): Middleware {
  const key = Buffer.from(secret, "utf8");
  const seen = new Map<string, number>();
  let dropped = 0;

  const mac = (data: Buffer, time: Buffer) => createHmac("sha256", key).update(data).update(time).digest();

  const open = (packet: Buffer): Buffer | null => {
    if (!Buffer.isBuffer(packet) || packet.length < MAC_BYTES + TIME_BYTES) return null;
    const data = packet.subarray(0, packet.length - MAC_BYTES - TIME_BYTES);
    const time = packet.subarray(data.length, data.length + TIME_BYTES);
    const given = packet.subarray(packet.length - MAC_BYTES);
    if (!timingSafeEqual(given, mac(data, time))) return null;
    const now = Date.now();
    if (Math.abs(now - Number(time.readBigUInt64BE())) > MAX_SKEW_MS) return null;
    const id = given.toString("base64");
    if (seen.has(id)) return null;
    seen.set(id, now + MAX_SKEW_MS);
    if (seen.size > 10_000) for (const [entry, expires] of seen) if (expires < now) seen.delete(entry);
    return data;
  };

  return {
    name: "SignPackets",
    transporterSend(next: Send): Send {
      return (topic, data, meta) => {
        const time = Buffer.alloc(TIME_BYTES);
        time.writeBigUInt64BE(BigInt(Date.now()));
        return next(topic, Buffer.concat([data, time, mac(data, time)]), meta);
      };
    },
    transporterReceive(next: Receive): Receive {
      return (cmd, packet, s) => {
        const data = open(packet);
        if (data) return next(cmd, data, s);
        // A flood of forged packets must not flood the logs too.
        if (dropped++ % 1000 === 0) log.warn({ cmd, dropped }, "dropped a packet without a valid signature");
        return undefined;
      };
    },
  } as unknown as Middleware;
}
