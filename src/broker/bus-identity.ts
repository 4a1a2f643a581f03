/**
 * Who is who on the bus. BUS_SECRET lets a process on the bus at all, and every process has it,
 * the gateway included; it cannot tell which of them may serve `catalog` or speaks for `orders`.
 * So each process also makes a fresh X25519 pair when it starts and announces its public half in
 * its INFO packet, signed with the key of each module it runs (module-keys.ts). Others admit the
 * services of a node only for the modules whose signatures hold, and seal every request and
 * response between two nodes with a key only those two can derive (their X25519 agreement, bound to
 * the bus secret). An answer therefore comes from the node the call was routed to, a call comes from
 * the node it names, and a node serves or speaks for a module only with that module's key. One
 * agreement per pair of nodes, kept: each packet still costs one AES-GCM seal, as before.
 */
import { createPublicKey, createSecretKey, diffieHellman, generateKeyPairSync, hkdfSync, sign, verify, type KeyObject } from "node:crypto";
import type { Logger } from "pino";
import { defenceOff } from "./defences.ts";
import type { ModuleKeys } from "./module-keys.ts";

/** What a node puts in its INFO packet's metadata. */
export interface Announcement {
  /** The node's X25519 public key, raw, base64url. */
  box: string;
  /** By module the node runs: its signature over the namespace, the node id and `box`. */
  modules: Record<string, string>;
}

interface Peer {
  box: Buffer;
  /** The modules whose signatures held, and the announcement they were checked on. */
  modules: ReadonlySet<string>;
  signatures: string;
}

/** Nodes whose calls wait for their announcement at once; beyond it such calls are dropped (a flood of made-up nodes). */
const MAX_AWAITED = 1_000;
/** Pair keys kept; past this they are all forgotten and derived again as used (~0.1 ms each). */
const MAX_PAIR_KEYS = 4_096;
const BOX_BYTES = 32;

/** Node-level services belong to no module and check their callers themselves (ops-service.ts). */
const NODE_SERVICES = new Set(["$ops"]);

interface Announced {
  name: string;
  actions?: Record<string, unknown>;
}

/** Moleculer files a remote action under its own name, not its service's: each must be the service's own. */
const ownActionsOnly = (service: Announced) => Object.keys(service.actions ?? {}).every((action) => action.startsWith(`${service.name}.`));

export class BusIdentity {
  readonly #own: ModuleKeys;
  readonly #secret: Buffer;
  readonly #log: Logger;
  readonly #private: KeyObject;
  /** This node's X25519 public key, raw. */
  readonly box: Buffer;
  readonly #peers = new Map<string, Peer>();
  readonly #pairKeys = new Map<string, KeyObject>();
  readonly #off = defenceOff("module-keys");
  /** Calls waiting for their node's announcement, by node. */
  readonly #waiting = new Map<string, Set<() => void>>();
  #discover: (nodeID: string) => void = () => undefined;

  constructor(keys: ModuleKeys, busSecret: string, log: Logger) {
    this.#own = keys;
    this.#secret = Buffer.from(hkdfSync("sha256", Buffer.from(busSecret, "utf8"), "bazaar", "pair keys", 32));
    this.#log = log;
    const { privateKey, publicKey } = generateKeyPairSync("x25519");
    this.#private = privateKey;
    this.box = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
  }

  /** How to ask a node for its announcement (Moleculer's DISCOVER), once the broker exists. */
  discoverWith(discover: (nodeID: string) => void): void {
    this.#discover = discover;
  }

  /**
   * Resolves once `nodeID` has announced itself, or after `ms`; asks it to (DISCOVER) first. A
   * node's first calls can overtake its INFO packet (Moleculer sends it a second after the node's
   * services start, and a node with no services only when asked): they wait for it.
   */
  async announcement(nodeID: string, ms: number): Promise<void> {
    if (this.#peers.has(nodeID) || (this.#waiting.size >= MAX_AWAITED && !this.#waiting.has(nodeID))) return;
    await new Promise<void>((resolve) => {
      const waiting = this.#waiting.get(nodeID) ?? new Set();
      if (waiting.size === 0) this.#discover(nodeID);
      this.#waiting.set(nodeID, waiting);
      const done = () => {
        clearTimeout(timer);
        waiting.delete(done);
        if (waiting.size === 0 && this.#waiting.get(nodeID) === waiting) this.#waiting.delete(nodeID);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiting.add(done);
    });
  }

  /** Whether pair keys and signed announcements are in force (off only in a defence test). */
  get enforced(): boolean {
    return !this.#off;
  }

  /** This node's announcement, signed with the key of each module it runs. */
  announce(namespace: string, nodeID: string): Announcement {
    const box = this.box.toString("base64url");
    const modules: Record<string, string> = {};
    for (const [module, key] of this.#own.own) modules[module] = sign(null, statement(namespace, nodeID, module, box), key).toString("base64url");
    return { box, modules };
  }

  /**
   * Checks a node's INFO and keeps, of the services it lists, only those of modules it proved and
   * node-level ones. False when the packet must be dropped: it names a node already known by
   * another key (someone else posing as it) or carries no key to seal to.
   */
  admit(namespace: string, nodeID: string, metadata: unknown, services: Announced[]): boolean {
    const announced = (metadata as { bazaar?: Partial<Announcement> } | undefined)?.bazaar;
    const box = typeof announced?.box === "string" ? Buffer.from(announced.box, "base64url") : undefined;
    if (!box || box.length !== BOX_BYTES) return false;
    const known = this.#peers.get(nodeID);
    if (known && !known.box.equals(box)) {
      this.#log.warn({ nodeID }, "dropped an announcement of a known node with another key");
      return false;
    }
    const claims = announced?.modules && typeof announced.modules === "object" ? announced.modules : {};
    const signatures = JSON.stringify(claims);
    const modules = known?.signatures === signatures ? known.modules : this.#proven(namespace, nodeID, announced?.box as string, claims);
    const refused = services.filter((service) => !this.#off && !((NODE_SERVICES.has(service.name) || modules.has(service.name)) && ownActionsOnly(service)));
    if (refused.length > 0) {
      this.#log.warn({ nodeID, services: refused.map((service) => service.name) }, "ignored services a node announced without their module's key");
      services.splice(0, services.length, ...services.filter((service) => !refused.includes(service)));
    }
    this.#peers.set(nodeID, { box, modules: this.#off ? new Set(services.map((service) => service.name)) : modules, signatures });
    for (const done of this.#waiting.get(nodeID) ?? []) done();
    return true;
  }

  /** Whether `nodeID` has announced itself (with any modules or none). */
  knows(nodeID: string): boolean {
    return this.#peers.has(nodeID);
  }

  /** The modules a node proved it runs; none for a node not (or not yet) announced. */
  modulesOf(nodeID: string): ReadonlySet<string> {
    return this.#peers.get(nodeID)?.modules ?? NONE;
  }

  /** The key to seal to a node with, as it announced it. */
  boxOf(nodeID: string): Buffer | undefined {
    return this.#peers.get(nodeID)?.box;
  }

  /** Whether a packet that opened with `box`'s pair key may say it comes from `nodeID`: the key it announced. */
  vouches(nodeID: string, box: Buffer): boolean {
    return this.#peers.get(nodeID)?.box.equals(box) ?? false;
  }

  /** The key this node and the holder of `box` share: the same on both sides, and no one else's. */
  pairKey(box: Buffer): KeyObject {
    const id = box.toString("latin1");
    let key = this.#pairKeys.get(id);
    if (!key) {
      const shared = diffieHellman({ privateKey: this.#private, publicKey: createPublicKey({ key: { kty: "OKP", crv: "X25519", x: box.toString("base64url") }, format: "jwk" }) });
      const [low, high] = Buffer.compare(this.box, box) <= 0 ? [this.box, box] : [box, this.box];
      key = createSecretKey(Buffer.from(hkdfSync("sha256", shared, this.#secret, Buffer.concat([low, high]), 32)));
      if (this.#pairKeys.size >= MAX_PAIR_KEYS) this.#pairKeys.clear();
      this.#pairKeys.set(id, key);
    }
    return key;
  }

  #proven(namespace: string, nodeID: string, box: string, claims: Record<string, unknown>): ReadonlySet<string> {
    const proven = new Set<string>();
    for (const [module, signature] of Object.entries(claims)) {
      const key = this.#own.known.get(module);
      if (key && typeof signature === "string" && verify(null, statement(namespace, nodeID, module, box), key, Buffer.from(signature, "base64url"))) proven.add(module);
    }
    return proven;
  }
}

const NONE: ReadonlySet<string> = new Set();

function statement(namespace: string, nodeID: string, module: string, box: string): Buffer {
  return Buffer.from(`bazaar module\n${namespace}\n${nodeID}\n${module}\n${box}`);
}
