/**
 * Moleculer authenticates no node and hides nothing: any process on the NATS subjects could call
 * any action, send an INFO packet claiming another node's id, or read every login's password and
 * every call's access token. So every packet this deployment sends is sealed with AES-256-GCM under
 * a key derived from the deployment's bus secret: its bytes encrypted, and the ciphertext
 * authenticated together with its namespace, its command, the node it is addressed to and a
 * timestamp. A packet that does not open (forged, unsealed, stale, replayed, or re-sent to another
 * node, as another command or into another namespace sharing the secret) is dropped before
 * Moleculer reads it. A replay is refused for as long as its timestamp would pass, whatever the
 * sender's clock; node ids change with every start (create-broker.ts), so a packet recorded for a
 * node before it restarted is addressed to no one after.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from "node:crypto";
import type { Middleware, ServiceBroker } from "moleculer";
import type { Logger } from "pino";
import { defenceOff } from "../defences.ts";

const IV_BYTES = 12;
const TIME_BYTES = 8;
const TAG_BYTES = 16;
/** After the timestamp, whether the packet is for every node (1) or the one it was sent to (0). */
const SCOPE_BYTES = 1;
const TRAILER_BYTES = TIME_BYTES + SCOPE_BYTES + TAG_BYTES;
/** Packets older (or newer) than this are refused; within it, each is accepted once. */
const MAX_SKEW_MS = 30_000;

type Send = (topic: string, data: Buffer, meta: unknown) => Promise<void>;
type Receive = (cmd: string, data: Buffer, s: unknown) => unknown;

/** `now` is the clock, for tests of the time checks. */
export function sealPackets(secret: string, log: Logger, now: () => number = Date.now): Middleware {
  if (defenceOff("packet-sealing")) return { name: "SealPackets" } as unknown as Middleware;
  const replaysAccepted = defenceOff("replay-window");
  // Its own key, apart from what the secret signs elsewhere (the durable events). A KeyObject, not
  // bytes: Node checks a Buffer key on every cipher it makes, ~25 us each (measured on Node 24).
  const key = createSecretKey(Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), "bazaar", "bus packets", 32)));
  // Each tag seen, until the moment its packet's timestamp stops passing the time check: a replay
  // that could pass it always finds it here, however far the sender's clock is from ours.
  const seen = new Map<string, number>();
  let pruned = now();
  let ownNodeID = "";
  let namespace = "";
  let dropped = 0;

  const additional = (cmd: string, target: string, trailer: Buffer) => Buffer.concat([Buffer.from(`${namespace}\n${cmd}\n${target}\n`), trailer.subarray(0, TIME_BYTES + SCOPE_BYTES)]);

  const remember = (id: string, sentAt: number, at: number): boolean => {
    if (at - pruned > MAX_SKEW_MS) {
      for (const [known, until] of seen) if (until < at) seen.delete(known);
      pruned = at;
    }
    if (seen.has(id) && !replaysAccepted) return false;
    seen.set(id, sentAt + MAX_SKEW_MS);
    return true;
  };

  const nextIv = ivSequence();
  const seal = (cmd: string, target: string, data: Buffer): Buffer => {
    const iv = nextIv();
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeBigUInt64BE(BigInt(now()));
    trailer[TIME_BYTES] = target === "" ? 1 : 0;
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(additional(cmd, target, trailer));
    const sealed = Buffer.concat([iv, cipher.update(data), cipher.final()]);
    cipher.getAuthTag().copy(trailer, TIME_BYTES + SCOPE_BYTES);
    return Buffer.concat([sealed, trailer]);
  };

  const open = (cmd: string, packet: Buffer): Buffer | null => {
    if (!Buffer.isBuffer(packet) || packet.length < IV_BYTES + TRAILER_BYTES) return null;
    const trailer = packet.subarray(packet.length - TRAILER_BYTES);
    const tag = trailer.subarray(TIME_BYTES + SCOPE_BYTES);
    // Addressed to this node, or to everyone (a broadcast arrives on the same command).
    const target = trailer[TIME_BYTES] === 1 ? "" : ownNodeID;
    const decipher = createDecipheriv("aes-256-gcm", key, packet.subarray(0, IV_BYTES));
    decipher.setAAD(additional(cmd, target, trailer));
    decipher.setAuthTag(tag);
    let data: Buffer;
    try {
      data = Buffer.concat([decipher.update(packet.subarray(IV_BYTES, packet.length - TRAILER_BYTES)), decipher.final()]);
    } catch {
      return null;
    }
    const at = now();
    const sentAt = Number(trailer.readBigUInt64BE());
    if (Math.abs(at - sentAt) > MAX_SKEW_MS) return null;
    return remember(tag.toString("latin1"), sentAt, at) ? data : null;
  };

  return {
    name: "SealPackets",
    created(broker: ServiceBroker) {
      ownNodeID = broker.nodeID;
      namespace = broker.namespace ?? "";
    },
    transporterSend(next: Send): Send {
      return (topic, data, meta) => {
        const { cmd, target } = addressOf(topic);
        return next(topic, seal(cmd, target, data), meta);
      };
    },
    transporterReceive(next: Receive): Receive {
      return (cmd, packet, s) => {
        const data = open(cmd, packet);
        if (data) return next(cmd, data, s);
        // A flood of forged packets must not flood the logs too.
        if (dropped++ % 1000 === 0) log.warn({ cmd, dropped }, "dropped a packet that did not open with the bus secret");
        return undefined;
      };
    },
  } as unknown as Middleware;
}

/**
 * GCM's deterministic IV construction (NIST SP 800-38D, 8.2.1): a field of 8 random bytes, drawn
 * per sealer, then a 4-byte count of its packets. IVs never repeat within a sealer, and two sealers
 * share a field with a chance of about n^2 / 2^65 for n sealers ever made; random IVs per packet
 * would cost a call into the system's random source for every packet.
 */
export function ivSequence(): () => Buffer {
  let field = randomBytes(IV_BYTES - 4);
  let count = 0;
  return () => {
    if (count === 0x1_0000_0000) {
      field = randomBytes(IV_BYTES - 4);
      count = 0;
    }
    const iv = Buffer.allocUnsafe(IV_BYTES);
    field.copy(iv);
    iv.writeUInt32BE(count++, IV_BYTES - 4);
    return iv;
  };
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
