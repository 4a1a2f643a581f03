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
export type CallingModule = (origin: CallOrigin) => Promise<string | null>;

/** How long a call waits for the announcement of a node that called before announcing itself. */
const ANNOUNCEMENT_WAIT_MS = 3_000;

const IDENTITY_OFF = defenceOff("service-identity");

/** `localNodeID`: this process's node; `identity`: what other nodes proved (none in one process). */
export function callingModule(localNodeID: string, identity: BusIdentity | undefined, waitMs = ANNOUNCEMENT_WAIT_MS): CallingModule {
  return async ({ caller, nodeID }) => {
    if (!caller) return null;
    if (nodeID === localNodeID || IDENTITY_OFF) return caller;
    if (!identity || !nodeID) return null;
    if (!identity.knows(nodeID)) await identity.announcement(nodeID, waitMs);
    return identity.modulesOf(nodeID).has(caller) ? caller : null;
  };
}
