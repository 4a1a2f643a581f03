/**
 * What a business module is, to the process that runs it: a contract, its tables and migrations,
 * and handlers for every action of the contract. `serviceSchema()` turns that into a Moleculer
 * service whose every action validates its params, verifies its caller and gets its own ORM context.
 */
import type { Context, ServiceSchema } from "moleculer";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { AuthKeys, AuthUser } from "./auth.ts";
import {
  call,
  healthAction,
  type ActionRef,
  type CallMeta,
  type Contract,
  type EventRef,
  type ParamsOf,
  type ResultOf,
  type Static,
} from "./contract-kit.ts";
import type { Entity, MigrationObject, ModuleEntityManager, ModuleOrm } from "./database.ts";
import { authorize } from "./middlewares/authorize.ts";
import { guardErrors } from "./middlewares/guard-errors.ts";
import { compileCheck } from "./validator.ts";
import { validationFailed } from "./errors.ts";

/** What a module's handlers get from the process that runs them. */
export interface ModuleRuntime {
  orm: ModuleOrm;
  auth: AuthKeys;
  config: Config;
  log: Logger;
}

/** Everything a handler may use for one call. */
export interface ActionContext {
  /** The verified caller; null for actions open to anyone. */
  user: AuthUser | null;
  requestId: string;
  clientIp: string | undefined;
  log: Logger;
  /** A fresh entity manager for this call. */
  em: ModuleEntityManager;
  /** A typed call into another module's contract, carrying this call's identity and request id. */
  call<A extends ActionRef>(action: A, params: ParamsOf<A>): Promise<ResultOf<A>>;
  /** Publishes one of this module's events. */
  emit<E extends EventRef>(event: E, payload: Static<E["payload"]>): Promise<void>;
}

export type Handlers<C extends Contract> = {
  [K in keyof C["actions"]]: (params: ParamsOf<C["actions"][K]>, ctx: ActionContext) => Promise<ResultOf<C["actions"][K]>>;
};

export interface ModuleDefinition<C extends Contract = Contract> {
  contract: C;
  entities: Entity[];
  migrations: MigrationObject[];
  handlers(runtime: ModuleRuntime): Handlers<C>;
  /** Runs once the module's service has started (seed data, background work). */
  started?(runtime: ModuleRuntime): Promise<void>;
}

/** Declares a module; the type parameter ties its handlers to its contract. */
export function defineModule<C extends Contract>(definition: ModuleDefinition<C>): ModuleDefinition<C> {
  return definition;
}

type MoleculerContext = Context<unknown, CallMeta>;

export function serviceSchema(module: ModuleDefinition, runtime: ModuleRuntime): ServiceSchema {
  const handlers = module.handlers(runtime) as Record<string, (params: unknown, ctx: ActionContext) => Promise<unknown>>;
  const actions: ServiceSchema["actions"] = {};
  for (const action of Object.values(module.contract.actions)) {
    const check = compileCheck(action.params);
    const handler = handlers[action.name];
    if (!handler) throw new Error(`module ${module.contract.name} has no handler for ${action.name}`);
    actions[action.name] = {
      handler: guardErrors(runtime.log, action.fullName, async (ctx: MoleculerContext) => {
        const errors = check(ctx.params);
        if (errors) throw validationFailed(errors);
        const user = await authorize(action.access, ctx.meta, runtime.auth);
        return handler(ctx.params, actionContext(ctx, user, runtime, action.fullName));
      }),
    };
  }
  const health = healthAction(module.contract.name);
  actions[health.name] = async () => {
    await runtime.orm.em.fork().getConnection().execute("select 1");
    return { status: "up" };
  };
  return {
    name: module.contract.name,
    actions,
    started: module.started ? () => module.started?.(runtime) : undefined,
  };
}

function actionContext(ctx: MoleculerContext, user: AuthUser | null, runtime: ModuleRuntime, action: string): ActionContext {
  const requestId = ctx.requestID ?? ctx.id;
  return {
    user,
    requestId,
    clientIp: ctx.meta.clientIp,
    log: runtime.log.child({ requestId, action }),
    em: runtime.orm.em.fork() as ModuleEntityManager,
    call: (target, params) => call(ctx as never, target, params),
    emit: async (event, payload) => {
      await ctx.emit(event.name, payload);
    },
  };
}
