/**
 * Turns a module definition into a Moleculer service. Every action validates its params with the
 * contract's schema, verifies its caller, and runs with its own entity manager (made only if the
 * handler uses one); the events a commit staged go to the outbox relay right after it. Every
 * subscription runs once per event through the inbox, events that arrive together in one transaction.
 */
import type { Context, ServiceSchema } from "moleculer";
import type { AuthUser } from "./auth.ts";
import { call, healthAction, type CallMeta } from "./contract-kit.ts";
import type { ModuleEntityManager } from "./database.ts";
import { describeError, validationFailed } from "./errors.ts";
import { actionDuration, eventsHandled, moduleCalls } from "./metrics.ts";
import { batcher } from "./batcher.ts";
import { handleBatch } from "./events/inbox.ts";
import { publisherFor, type Publish, type StagedEvent } from "./events/publisher.ts";
import { handledTogether, handledWithin, inTrace } from "./events/trace-context.ts";
import type { EventEnvelope } from "./events/transport.ts";
import { authorize } from "./middlewares/authorize.ts";
import { guardErrors } from "./middlewares/guard-errors.ts";
import type { ActionContext, ModuleDefinition, ModuleRuntime, Subscription } from "./module.ts";
import { startWorker, type Worker } from "./background.ts";
import { compileCheck } from "./validator.ts";

type MoleculerContext = Context<unknown, CallMeta>;

export function serviceSchema(module: ModuleDefinition, runtime: ModuleRuntime): ServiceSchema {
  const name = module.contract.name;
  const handlers = module.handlers(runtime) as Record<string, (params: unknown, ctx: ActionContext) => Promise<unknown>>;
  const actions: ServiceSchema["actions"] = {};
  const limits = (module.concurrency?.(runtime) ?? {}) as Record<string, number | undefined>;
  for (const action of Object.values(module.contract.actions)) {
    const limit = limits[action.name];
    const check = compileCheck(action.params);
    // Outside production, an answer the contract does not allow fails loudly where it is made, not in a caller.
    const checkResult = runtime.config.validateResults ? compileCheck(action.result) : undefined;
    const handler = handlers[action.name];
    if (!handler) throw new Error(`module ${name} has no handler for ${action.name}`);
    actions[action.name] = {
      // Beyond the queue, a caller gets 503 at once rather than waiting longer than its timeout.
      ...(limit ? { bulkhead: { enabled: true, concurrency: limit, maxQueueSize: 1_000 } } : {}),
      handler: measured(action.fullName, guardErrors(runtime.log, action.fullName, async (ctx: MoleculerContext) => {
        const errors = check(ctx.params);
        if (errors) throw validationFailed(errors);
        const user = await authorize(action, { meta: ctx.meta, module: runtime.callingModule(ctx) }, runtime.auth);
        const unit = actionContext(ctx, user, runtime, action.fullName);
        const result = await handler(ctx.params, unit.context);
        const wrong = checkResult?.(result);
        if (wrong) throw new Error(`${action.fullName} answered what its contract does not allow: ${JSON.stringify(wrong)}`);
        // Whatever the handler staged (changes, events) commits together, even if it did not flush.
        await unit.commit();
        return result;
      })),
    };
  }
  const health = healthAction(name);
  actions[health.name] = async () => {
    await runtime.orm.em.fork().getConnection().execute("select 1");
    return { status: "up" };
  };
  let workers: Worker[] = [];
  return {
    name,
    actions,
    async started() {
      const background = module.background?.(runtime) ?? [];
      workers = background.map((work) => startWorker(work.name, work.run, { fallbackMs: work.fallbackMs, firstRunMs: work.firstRunMs, log: runtime.log }));
      // A worker whose work comes from an event runs right after this module has handled one.
      const wake = (event: string) => background.forEach((work, i) => work.wokenBy?.some((e) => e.name === event) && workers[i]?.wake());
      const retrier = await subscribe(module, runtime, wake);
      if (retrier) workers.push(retrier);
      await module.started?.(runtime);
    },
    async stopped() {
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  };
}

function measured<C>(action: string, handler: (ctx: C) => Promise<unknown>): (ctx: C) => Promise<unknown> {
  return async (ctx) => {
    const end = actionDuration.startTimer({ action });
    try {
      const result = await handler(ctx);
      end({ outcome: "ok" });
      return result;
    } catch (error) {
      end({ outcome: describeError(error).code });
      throw error;
    }
  };
}

interface UnitOfWork {
  context: ActionContext;
  /** Commits what the handler left in its entity manager (if it ever made one) and relays its events. */
  commit(): Promise<void>;
}

function actionContext(ctx: MoleculerContext, user: AuthUser | null, runtime: ModuleRuntime, action: string): UnitOfWork {
  const requestId = ctx.requestID ?? ctx.id;
  let em: ModuleEntityManager | undefined;
  // Events staged in `em`, committed by its flush.
  const staged: StagedEvent[] = [];
  // Most reads never touch the unit of work: the fork is made on first use only.
  const emOf = () => (em ??= runtime.orm.em.fork() as ModuleEntityManager);
  let log: ActionContext["log"] | undefined;
  const context: ActionContext = {
    user,
    requestId,
    clientIp: ctx.meta.clientIp,
    get log() {
      return (log ??= runtime.log.child({ requestId, action }));
    },
    get em() {
      return emOf();
    },
    db: runtime.db,
    call: async (target, params) => {
      moduleCalls.inc({ caller: runtime.name, callee: target.service });
      // Made from this action's context, the call names this module as its caller (service-identity.ts).
      return call(ctx as never, target, params, { meta: ctx.meta });
    },
    publish: (event, payload) => publisherFor(emOf(), runtime.tables.Outbox, requestId, staged)(event, payload),
    async transactional(work) {
      const own: StagedEvent[] = [];
      const result = await emOf().transactional((tx) => work({ em: tx as ModuleEntityManager, publish: publisherFor(tx as ModuleEntityManager, runtime.tables.Outbox, requestId, own) }));
      runtime.relay.handOff(own);
      return result;
    },
  };
  return {
    context,
    async commit() {
      if (!em) return;
      await em.flush();
      runtime.relay.handOff(staged.splice(0));
    },
  };
}

/** The events in order, cut where the event changes: each run goes to its subscription at once. */
function runsOfOneEvent(envelopes: EventEnvelope[]): EventEnvelope[][] {
  const runs: EventEnvelope[][] = [];
  for (const envelope of envelopes) {
    const last = runs.at(-1);
    if (last?.[0]?.name === envelope.name) last.push(envelope);
    else runs.push([envelope]);
  }
  return runs;
}

/** Events a module handles at once, in one transaction, when they arrive together. */
const EVENT_BATCH = 64;

/** How often a subscriber looks for retries nothing woke it for (one kept before a restart). */
const RETRY_FALLBACK_MS = 30_000;

async function subscribe(module: ModuleDefinition, runtime: ModuleRuntime, handled: (event: string) => void): Promise<Worker | undefined> {
  const subscriptions = module.subscriptions ?? [];
  if (subscriptions.length === 0) return undefined;
  const name = module.contract.name;
  const byEvent = new Map(subscriptions.map((subscription) => [subscription.event.name, subscription]));
  const checks = new Map(subscriptions.map((s) => [s.event.name, compileCheck(s.event.payload)]));
  const handle = batcher(async (envelopes: EventEnvelope[]) => {
    const outcome = await handleBatch(runtime.orm, name, name, envelopes, async (fresh, em, staged) => {
      for (const run of runsOfOneEvent(fresh)) {
        const subscription = byEvent.get((run[0] as EventEnvelope).name) as Subscription;
        if ("handleAll" in subscription) {
          await handledTogether(run, name, (traceParents) => {
            const events = run.map((envelope, i) => {
              const stage = publisherFor(em, runtime.tables.Outbox, envelope.requestId, staged);
              const traceParent = traceParents[i];
              const publish: Publish = (event, payload) => inTrace(traceParent, () => stage(event, payload));
              return { payload: envelope.payload, eventId: envelope.id, requestId: envelope.requestId, traceParent, publish };
            });
            return subscription.handleAll(events, { em, log: runtime.log.child({ event: subscription.event.name, events: run.length }) });
          });
          continue;
        }
        for (const envelope of run) {
          const log = runtime.log.child({ requestId: envelope.requestId, eventId: envelope.id, event: envelope.name });
          await handledWithin(envelope, name, async () => {
            const publish = publisherFor(em, runtime.tables.Outbox, envelope.requestId, staged);
            await subscription.handle(envelope.payload, { eventId: envelope.id, requestId: envelope.requestId, log, em, publish });
          });
        }
      }
    });
    runtime.relay.handOff(outcome.staged);
    return outcome.results;
  }, EVENT_BATCH);
  const deliver = async (envelope: EventEnvelope) => {
    if (!byEvent.has(envelope.name)) return;
    const errors = checks.get(envelope.name)?.(envelope.payload);
    if (errors) throw new Error(`event ${envelope.name} ${envelope.id} does not match its schema: ${JSON.stringify(errors)}`);
    const labels = { event: envelope.name, consumer: name };
    let first: boolean;
    try {
      first = await handle(envelope);
    } catch (error) {
      eventsHandled.inc({ ...labels, outcome: "failed" });
      throw error;
    }
    eventsHandled.inc({ ...labels, outcome: first ? "handled" : "duplicate" });
    if (first) handled(envelope.name);
  };
  const events = [...byEvent.keys()];
  if (runtime.events.redelivers) {
    await runtime.events.subscribe(name, events, deliver);
    return undefined;
  }
  // The transport keeps no delivery state per subscriber: a failed delivery is this module's to retry.
  const retrier = startWorker(`retry events ${name}`, () => runtime.retries.retryDue(deliver), { fallbackMs: RETRY_FALLBACK_MS, log: runtime.log });
  runtime.retries.retriedBy(() => retrier.wake());
  await runtime.events.subscribe(name, events, async (envelope) => {
    try {
      await deliver(envelope);
    } catch (error) {
      await runtime.retries.keep(envelope, error);
      runtime.log.warn({ err: error, eventId: envelope.id, event: envelope.name }, "event handling failed; kept for a retry");
      retrier.wake();
    }
  });
  return retrier;
}
