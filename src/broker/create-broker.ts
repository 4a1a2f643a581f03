/**
 * The one place a Moleculer broker is made. In-process when no NATS URL is given, the NATS
 * transporter otherwise; the same services run on either. Moleculer's defaults leave timeouts,
 * breaker and tracking off and notice a dead node only after 15 s: each is set deliberately here.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import moleculer, { type BrokerOptions, type Context, type Middleware } from "moleculer";
import type { Logger } from "pino";
import type { BusIdentity } from "./bus-identity.ts";
import { describeError, isTransportFailure } from "./errors.ts";
import { sealPackets } from "./middlewares/seal-packets.ts";
import { traceCalls } from "./middlewares/trace-calls.ts";

const { ServiceBroker } = moleculer;
export type Broker = InstanceType<typeof ServiceBroker>;

export interface BrokerSettings {
  namespace: string;
  /**
   * Who this node is on NATS (`busOwner`): its id starts with it, so that NATS permissions can let
   * each user hear only the packets addressed to its own nodes. Required with a transporter.
   */
  owner?: string;
  nodeID?: string;
  natsUrl?: string;
  /** Extra NATS connection options (credentials, TLS). */
  nats?: Record<string, unknown>;
  /** OpenTelemetry spans for every call, on both sides (middlewares/trace-calls.ts). */
  telemetry?: boolean;
  /** Seals and opens every packet on the bus; required whenever a transporter is used. */
  busSecret?: string;
  /** Which modules this node may serve and speak for, and the pair keys of its calls; required with a transporter. */
  identity?: BusIdentity;
  logger: Logger;
  logLevel: string;
  requestTimeoutMs: number;
  heartbeatIntervalS: number;
  heartbeatTimeoutS: number;
}

/** First is innermost. Moleculer's default order has "CircuitBreaker" before "Timeout". */
const BUILT_IN_MIDDLEWARES = ["ActionHook", "Validator", "Bulkhead", "Cacher", "ContextTracker", "Timeout", "CircuitBreaker", "Retry", "Fallback", "ErrorHandler", "Tracing", "Metrics", "Debounce", "Throttle"];

/**
 * A local call's params are cloned for its handler, so a handler that mutates them breaks in one
 * process exactly as it would over the wire. A remote call's params are the receiver's own already
 * (just deserialized): Moleculer's contextParamsCloning would clone them on both sides for nothing.
 */
function cloneLocalParams(): Middleware {
  let nodeID = "";
  return {
    name: "CloneLocalParams",
    created(broker: Broker) {
      nodeID = broker.nodeID;
    },
    localAction(next: (ctx: Context) => Promise<unknown>) {
      return (ctx: Context) => {
        if (ctx.nodeID === nodeID && ctx.params) ctx.params = structuredClone(ctx.params);
        return next(ctx);
      };
    },
  } as unknown as Middleware;
}

export function createBroker(settings: BrokerSettings): Broker {
  if (settings.natsUrl && !(settings.busSecret && settings.identity && settings.owner)) throw new Error("a broker on NATS needs a bus secret and a bus identity to seal its packets, and an owner to name its node");
  // Moleculer's own info lines (its version, strategy, serializer, each service registered and
  // started: twenty at every start) are for debugging it; its warnings and errors always show.
  const moleculerLevel = settings.logLevel === "info" ? "warn" : settings.logLevel;
  // Moleculer's default is hostname-pid, the same for a container restarted (pid 1 again): the
  // random part makes each start a new node, so packets recorded for the previous one reach no one.
  // A dot in the host name would read as one more subject token.
  const unique = `${hostname().replaceAll(".", "-")}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const nodeID = settings.nodeID ?? (settings.owner ? `${settings.owner}.${unique}` : unique);
  const { busSecret, identity } = settings;
  const options: BrokerOptions = {
    namespace: settings.namespace,
    nodeID,
    // Sent in this node's INFO packet: its pair key, signed by each module it runs (bus-identity.ts).
    metadata: identity ? { bazaar: identity.announce(settings.namespace, nodeID) } : {},
    // `servers`, not `url`: given a url, Moleculer 0.15 overwrites user and pass with the url's own (none).
    transporter: settings.natsUrl ? { type: "NATS", options: { servers: settings.natsUrl.split(","), ...settings.nats } } : null,
    // Moleculer's own middlewares in its order but for one swap: the circuit breaker wraps the
    // timeout, so that it sees timeouts (inside it, a slow call only looked like a late success).
    internalMiddlewares: false,
    middlewares: [...(busSecret ? [sealPackets(busSecret, settings.logger, { identity })] : []), ...BUILT_IN_MIDDLEWARES, cloneLocalParams(), ...(settings.telemetry ? [traceCalls()] : [])],
    serializer: "JSON",
    requestTimeout: settings.requestTimeoutMs,
    // The policy is on so that per-call `retries` work, but it retries nothing by default: `call()`
    // asks for retries only for idempotent actions, and only transport failures are retried.
    retryPolicy: { enabled: true, retries: 0, delay: 100, maxDelay: 1_000, factor: 2, check: (error: unknown) => describeError(error).status === 503 },
    maxCallLevel: 10,
    heartbeatInterval: settings.heartbeatIntervalS,
    heartbeatTimeout: settings.heartbeatTimeoutS,
    // Graceful shutdown: stop() waits for in-flight requests before leaving the bus.
    tracking: { enabled: true, shutdownTimeout: 10_000 },
    circuitBreaker: {
      enabled: true,
      threshold: 0.5,
      minRequestCount: 20,
      windowTime: 30,
      halfOpenTime: 5_000,
      // Only timeouts and transport failures count: whatever a handler throws, a 500 included, is
      // about that call's input, and one client's bad input must not cut everybody off.
      check: (error: unknown) => isTransportFailure(error),
    },
    registry: { strategy: "RoundRobin", preferLocal: true },
    // Moleculer's $node service answers $node.options (every setting of a node, its NATS user and
    // password included), $node.services and the like to any node on the bus. Nothing here needs it:
    // the console and the CLI read their own registry.
    internalServices: false,
    // main.ts owns the signals: it closes the gateway first and the databases last. Moleculer's own
    // handlers would exit the process as soon as the broker stopped.
    skipProcessEventRegistration: true,
    // Params are validated by each module's handlers with the contract's schemas (see module.ts).
    validator: false,
    metrics: false,
    tracing: false,
    logLevel: moleculerLevel as BrokerOptions["logLevel"],
    logger: {
      type: "Pino",
      options: {
        level: moleculerLevel,
        createLogger: (level: string, bindings: Record<string, unknown>) =>
          settings.logger.child({ nodeID: bindings.nodeID, mod: bindings.mod }, { level }),
      },
    },
  };
  return new ServiceBroker(options);
}
