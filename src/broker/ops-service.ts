/**
 * `$ops`: what the console asks of every process on the bus, one node at a time (each process
 * runs this service and answers only for itself): its modules with their outboxes and failed
 * deliveries, the totals of its action metrics, the calls its modules made to other modules, the
 * spans it kept, and a redrive of an event one of its modules gave up on (publishing or handling
 * it). Admins only, verified here like any admin action: a call over the bus proves nothing by itself.
 */
import { hostname } from "node:os";
import type { Context, ServiceSchema } from "moleculer";
import type { Logger } from "pino";
import type { AuthKeys } from "./auth.ts";
import { defineContract, Type, Uuid, type CallMeta, type ParamsOf, type ResultOf } from "./contract-kit.ts";
import { CommonErrors, notFound, validationFailed } from "./errors.ts";
import { guardErrors } from "./middlewares/guard-errors.ts";
import { authorize } from "./middlewares/authorize.ts";
import { ACTION_BUCKETS_S, actionDuration, moduleCalls } from "./metrics.ts";
import type { OutboxReport } from "./events/relay.ts";
import type { RetryReport } from "./events/retries.ts";
import { subscribedEvents, type ModuleDefinition, type ModuleRuntime } from "./module.ts";
import { keepingSpans, recentSpans, type RecentSpan } from "./recent-spans.ts";
import { compileCheck } from "./validator.ts";

/** The outcomes of an action that are the module's failure, not the caller's (the 5xx answers). */
const SERVER_FAILURES = new Set(["internal_error", CommonErrors.dependencyUnavailable.code]);

/** Totals since the process started; the console turns two of them into rates. */
export interface ActionTotals {
  action: string;
  count: number;
  /** Calls that failed on the module's side (5xx), not refusals of the caller's input or rights. */
  failures: number;
  /** Calls at or below each of `NodeStatus.bucketsS`, cumulative as in Prometheus. */
  buckets: number[];
}

export interface NodeStatus {
  nodeId: string;
  hostname: string;
  pid: number;
  uptimeS: number;
  rssBytes: number;
  /** Whether this process serves HTTP (the gateway). */
  gateway: boolean;
  /** CPU time used so far, user and system, in µs. */
  cpuUs: number;
  modules: { name: string; subscribes: string[]; outbox: OutboxReport; retries: RetryReport }[];
  bucketsS: number[];
  actions: ActionTotals[];
  calls: { caller: string; callee: string; count: number }[];
  /** Whether this process keeps its last spans for the console (`OTEL_TRACES_EXPORTER=memory`). */
  keepsSpans: boolean;
}

/** The `$ops` actions, typed for `call()`. */
export const Ops = defineContract({
  name: "$ops",
  actions: {
    status: { params: Type.Object({}), result: Type.Unsafe<NodeStatus>({}), access: "admin", idempotent: true },
    spans: {
      params: Type.Object({ traces: Type.Integer({ minimum: 1, maximum: 50 }) }),
      result: Type.Unsafe<RecentSpan[]>({}),
      access: "admin",
      idempotent: true,
    },
    redrive: {
      params: Type.Object({
        module: Type.String({ minLength: 1, maxLength: 100 }),
        /** `outbox`: an event the module's relay gave up on; `subscriber`: one the module itself failed to handle. */
        kind: Type.Union([Type.Literal("outbox"), Type.Literal("subscriber")]),
        id: Uuid,
      }),
      result: Type.Object({ redriven: Type.Boolean() }),
      access: "admin",
      idempotent: true,
    },
  },
  events: {},
});

type OpsAction = keyof typeof Ops.actions;
type Handler<K extends OpsAction> = (params: ParamsOf<(typeof Ops.actions)[K]>) => Promise<ResultOf<(typeof Ops.actions)[K]>>;

export interface OpsSettings {
  nodeId: string;
  gateway: boolean;
  hosted: { module: ModuleDefinition; runtime: ModuleRuntime }[];
  auth: AuthKeys;
  log: Logger;
}

export function opsService({ nodeId, gateway, hosted, auth, log }: OpsSettings): ServiceSchema {
  const subscribes = new Map(hosted.map(({ module, runtime }) => [runtime.name, subscribedEvents(module)]));
  const handlers: { [K in OpsAction]: Handler<K> } = {
    async status() {
      const cpu = process.cpuUsage();
      return {
        nodeId,
        hostname: hostname(),
        pid: process.pid,
        uptimeS: Math.round(process.uptime()),
        rssBytes: process.memoryUsage.rss(),
        gateway,
        cpuUs: cpu.user + cpu.system,
        modules: await Promise.all(
          hosted.map(async ({ runtime }) => ({ name: runtime.name, subscribes: subscribes.get(runtime.name) ?? [], outbox: await runtime.relay.report(), retries: await runtime.retries.report() })),
        ),
        bucketsS: ACTION_BUCKETS_S,
        actions: await actionTotals(),
        calls: (await moduleCalls.get()).values.map((v) => ({ caller: String(v.labels.caller), callee: String(v.labels.callee), count: v.value })),
        keepsSpans: keepingSpans(),
      };
    },
    async spans({ traces }) {
      return recentSpans(traces);
    },
    async redrive({ module, kind, id }) {
      const runtime = hosted.find((h) => h.runtime.name === module)?.runtime;
      if (!runtime) throw notFound(`This node runs no module ${module}.`);
      return { redriven: await (kind === "outbox" ? runtime.relay.redrive(id) : runtime.retries.redrive(id)) };
    },
  };
  const actions: ServiceSchema["actions"] = {};
  for (const action of Object.values(Ops.actions)) {
    const check = compileCheck(action.params);
    const handler = handlers[action.name as OpsAction] as (params: unknown) => Promise<unknown>;
    actions[action.name] = guardErrors(log, action.fullName, async (ctx: Context<unknown, CallMeta>) => {
      const errors = check(ctx.params);
      if (errors) throw validationFailed(errors);
      await authorize(action, { meta: ctx.meta, module: null }, auth);
      return handler(ctx.params);
    });
  }
  return { name: Ops.name, actions };
}

/** The action histogram, summed over outcomes: per action, how many, how many failed, and how fast. */
async function actionTotals(): Promise<ActionTotals[]> {
  const totals = new Map<string, ActionTotals>();
  for (const value of (await actionDuration.get()).values) {
    const action = String(value.labels.action);
    const entry = totals.get(action) ?? { action, count: 0, failures: 0, buckets: ACTION_BUCKETS_S.map(() => 0) };
    totals.set(action, entry);
    if (value.metricName?.endsWith("_count")) {
      entry.count += value.value;
      if (SERVER_FAILURES.has(String(value.labels.outcome))) entry.failures += value.value;
    } else if (value.metricName?.endsWith("_bucket")) {
      const at = ACTION_BUCKETS_S.indexOf(Number((value.labels as { le?: number }).le));
      if (at >= 0) entry.buckets[at] = (entry.buckets[at] ?? 0) + value.value;
    }
  }
  return [...totals.values()];
}
