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
 *
 * Every holder of the bus secret can open what is sealed with it. So requests and responses,
 * what a module's identity rides on, go sealed with the key of the two nodes at their ends
 * instead (bus-identity.ts), which no third node has; the packet names the sender's public key,
 * and a sender that announced itself with another one is refused. Announcements (INFO) keep only
 * the services their node proved with module keys.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from "node:crypto";
import type { Middleware, ServiceBroker } from "moleculer";
import type { Logger } from "pino";
import type { BusIdentity } from "../bus-identity.ts";
import { defenceOff } from "../defences.ts";

const IV_BYTES = 12;
const TIME_BYTES = 8;
const TAG_BYTES = 16;
/** After the timestamp: for every node (BROADCAST) or the one it was sent to, under the bus key or the pair's (PAIR). */
const SCOPE_BYTES = 1;
const DIRECT = 0;
const BROADCAST = 1;
const PAIR = 2;
/** A pair-sealed packet starts with its sender's X25519 public key. */
const BOX_BYTES = 32;
/** What carries calls and their answers, and so a module's identity: never under the bus key alone. */
const PAIRED = new Set(["REQ", "RES"]);
const TRAILER_BYTES = TIME_BYTES + SCOPE_BYTES + TAG_BYTES;
/** Packets older (or newer) than this are refused; within it, each is accepted once. */
const MAX_SKEW_MS = 30_000;

type Send = (topic: string, data: Buffer, meta: unknown) => Promise<void>;
type Receive = (cmd: string, data: Buffer, s: unknown) => unknown;
type Handle = (cmd: string, packet: { payload: { sender: string; id?: string; metadata?: unknown; services?: { name: string; actions?: Record<string, unknown> }[] } }) => Promise<boolean>;
type PendingRequests = Map<string, { nodeID?: string | null; action?: { name?: string } | null }>;
/** How long a call from a node not yet announced waits for its announcement (see BusIdentity.announcement). */
const ANNOUNCEMENT_WAIT_MS = 3_000;

export interface SealOptions {
  /** Pair keys and module proofs; without it (tests of the sealing alone) every packet goes under the bus key. */
  identity?: BusIdentity;
  /** The clock, for tests of the time checks. */
  now?: () => number;
  announcementWaitMs?: number;
}

export function sealPackets(secret: string, log: Logger, options: SealOptions = {}): Middleware {
  if (defenceOff("packet-sealing")) return { name: "SealPackets" } as unknown as Middleware;
  const { now = Date.now, announcementWaitMs = ANNOUNCEMENT_WAIT_MS } = options;
  const { identity } = options;
  // Switched off (a defence test), announcements are still read, but every packet goes under the bus key.
  const pairing = identity?.enforced ? identity : undefined;
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
  let pending: PendingRequests = new Map();
  let dropped = 0;

  const additional = (cmd: string, target: string, trailer: Buffer) => Buffer.concat([Buffer.from(`${namespace}\n${cmd}\n${target}\n`), trailer.subarray(0, TIME_BYTES + SCOPE_BYTES)]);
  // The pair key of the packet last opened, for the check of its sender once Moleculer has read it (same tick).
  let openedWith: Buffer | null = null;

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
    const paired = pairing !== undefined && target !== "" && PAIRED.has(cmd);
    const box = paired ? pairing.boxOf(target) : undefined;
    if (paired && !box) throw new Error(`no key to seal a ${cmd} packet to node ${target}: it has not announced itself`);
    const iv = nextIv();
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeBigUInt64BE(BigInt(now()));
    trailer[TIME_BYTES] = box ? PAIR : target === "" ? BROADCAST : DIRECT;
    const cipher = createCipheriv("aes-256-gcm", box ? (pairing as BusIdentity).pairKey(box) : key, iv);
    cipher.setAAD(additional(cmd, target, trailer));
    const sealed = Buffer.concat([...(box ? [(pairing as BusIdentity).box] : []), iv, cipher.update(data), cipher.final()]);
    cipher.getAuthTag().copy(trailer, TIME_BYTES + SCOPE_BYTES);
    return Buffer.concat([sealed, trailer]);
  };

  const open = (cmd: string, packet: Buffer): Buffer | null => {
    if (!Buffer.isBuffer(packet) || packet.length < IV_BYTES + TRAILER_BYTES) return null;
    const trailer = packet.subarray(packet.length - TRAILER_BYTES);
    const tag = trailer.subarray(TIME_BYTES + SCOPE_BYTES);
    const scope = trailer[TIME_BYTES];
    if (pairing && PAIRED.has(cmd) !== (scope === PAIR)) return null;
    const box = scope === PAIR ? packet.subarray(0, BOX_BYTES) : null;
    if (box && (!pairing || packet.length < BOX_BYTES + IV_BYTES + TRAILER_BYTES)) return null;
    const start = box ? BOX_BYTES : 0;
    // Addressed to this node, or to everyone (a broadcast arrives on the same command).
    const target = scope === BROADCAST ? "" : ownNodeID;
    let data: Buffer;
    try {
      const decipher = createDecipheriv("aes-256-gcm", box ? (pairing as BusIdentity).pairKey(box) : key, packet.subarray(start, start + IV_BYTES));
      decipher.setAAD(additional(cmd, target, trailer));
      decipher.setAuthTag(tag);
      data = Buffer.concat([decipher.update(packet.subarray(start + IV_BYTES, packet.length - TRAILER_BYTES)), decipher.final()]);
    } catch {
      return null;
    }
    const at = now();
    const sentAt = Number(trailer.readBigUInt64BE());
    if (Math.abs(at - sentAt) > MAX_SKEW_MS) return null;
    if (!remember(tag.toString("latin1"), sentAt, at)) return null;
    openedWith = box;
    return data;
  };

  // Moleculer matches an answer to its call by id alone; it must also come from the node called,
  // which proved the module of the action.
  const answersItsCall = (identity: BusIdentity, payload: { sender: string; id?: string }) => {
    const call = pending.get(payload.id ?? "");
    if (!call) return true;
    const module = call.action?.name?.split(".")[0] ?? "";
    return (!call.nodeID || call.nodeID === payload.sender) && (module.startsWith("$") || identity.modulesOf(payload.sender).has(module));
  };

  const drop = (cmd: string, why: string) => {
    // A flood of forged packets must not flood the logs too.
    if (dropped++ % 1000 === 0) log.warn({ cmd, dropped }, why);
  };

  return {
    name: "SealPackets",
    created(broker: ServiceBroker) {
      ownNodeID = broker.nodeID;
      namespace = broker.namespace ?? "";
      pending = (broker.transit as unknown as { pendingRequests?: PendingRequests } | undefined)?.pendingRequests ?? pending;
      const discoverer = (broker.registry as unknown as { discoverer?: { discoverNode(nodeID: string): unknown } } | undefined)?.discoverer;
      if (discoverer) identity?.discoverWith((nodeID) => void discoverer.discoverNode(nodeID));
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
        if (!data) return drop(cmd, "dropped a packet that did not open with the bus secret");
        try {
          return next(cmd, data, s);
        } finally {
          openedWith = null;
        }
      };
    },
    // Moleculer has read the packet: its sender must be the node whose key opened it.
    transitMessageHandler(next: Handle): Handle {
      if (!identity) return next;
      const refuse = (cmd: string, why: string) => {
        drop(cmd, why);
        return Promise.resolve(false);
      };
      return (cmd, packet) => {
        const { payload } = packet;
        // This node's own packets never come from the wire but as a copy of its broadcasts; one
        // naming it otherwise is forged (and an INFO of it would make Moleculer stop this node).
        if (payload.sender === ownNodeID) return Promise.resolve(false);
        if (cmd === "INFO") {
          if (!identity.admit(namespace, payload.sender, payload.metadata, payload.services ?? [])) return Promise.resolve(false);
        } else if (pairing && PAIRED.has(cmd)) {
          const box = openedWith;
          if (!box) return refuse(cmd, "dropped a call or answer not sealed between two nodes");
          // A call may overtake its node's announcement: it waits for it, and then must have come with the key announced.
          if (cmd === "REQ" && !pairing.knows(payload.sender)) {
            return pairing.announcement(payload.sender, announcementWaitMs).then(() => (pairing.vouches(payload.sender, box) ? next(cmd, packet) : refuse(cmd, "dropped a call from a node that never announced the key it came with")));
          }
          if (!pairing.vouches(payload.sender, box)) return refuse(cmd, "dropped a packet from a node that sealed it with another node's key");
          if (cmd === "RES" && !answersItsCall(pairing, payload)) return refuse(cmd, "dropped an answer from a node that was not called");
        }
        return next(cmd, packet);
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
