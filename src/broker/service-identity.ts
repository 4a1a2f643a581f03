/**
 * Which module is calling, proven rather than claimed. Moleculer names the calling service with
 * every call (`ctx.caller`: the service whose action made it, or the module whose background work
 * did). Made in this process, the name is the code's own. Made on another node, it counts only if
 * that node announced the module with the module's own key and the call came sealed with that
 * node's pair key (bus-identity.ts, seal-packets.ts): the gateway, which holds no module key, can
 * call no internal action, and no module can call as another.
 */
import type { BusIdentity } from "./bus-identity.ts";
import { defenceOff } from "./defences.ts";

/** What a Moleculer context says of its call's origin. */
export interface CallOrigin {
  caller?: string | null;
  nodeID?: string | null;
}

/** The calling module of a call, or null when no module (provably) made it. */
export type CallingModule = (origin: CallOrigin) => string | null;

const IDENTITY_OFF = defenceOff("service-identity");

/** `localNodeID`: this process's node; `identity`: what other nodes proved (none in one process). */
export function callingModule(localNodeID: string, identity: BusIdentity | undefined): CallingModule {
  // A call reaches a handler from another node only once that node has announced itself with the
  // key the call was sealed with, and no packet from the wire may name this node (seal-packets.ts).
  return ({ caller, nodeID }) => {
    if (!caller) return null;
    if (nodeID === localNodeID || IDENTITY_OFF) return caller;
    return identity && nodeID && identity.modulesOf(nodeID).has(caller) ? caller : null;
  };
}
