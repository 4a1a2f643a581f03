/**
 * How a module declares its public face, and how others call it with types.
 *
 * A contract names the module's service, its actions (param and result schemas, who may call them,
 * whether a retry is safe) and its events. From that one declaration come the typed `call()`, the
 * param validation inside the module, and the gateway's request validation and OpenAPI.
 */
import Type, { type Static, type TSchema } from "typebox";
import type { ErrorRef, ErrorSpec } from "./errors.ts";

export { Type, type Static, type TSchema };

/**
 * Who may invoke an action; enforced by the module that owns it. `internal` actions are for other
 * modules only: the gateway never reaches them, and a call without a calling module is refused.
 */
export type Access = "anyone" | "user" | "admin" | "internal";

export interface ActionSpec<P extends TSchema = TSchema, R extends TSchema = TSchema> {
  params: P;
  result: R;
  access: Access;
  /** The errors it answers beyond the common ones the gateway can tell from its shape (all of CommonErrors but `notFound`). */
  errors?: readonly ErrorSpec[];
  /** Calling twice with the same params has the effect of calling once, so the broker may retry it. */
  idempotent: boolean;
  /** For `internal` actions: the modules allowed to call it (any module when absent). */
  callers?: readonly string[];
  /** A read whose answers callers may keep, on the terms declared here (read-cache.ts). */
  cache?: CacheSpec;
}

/**
 * When a kept answer stops being true. Only for actions open to anyone, whose answer depends on
 * nothing but the `key` param.
 */
export interface CacheSpec {
  /** The param that identifies an answer; events and changing actions carry it under the same name. */
  key: string;
  /** This module's events after which the answer for their payload's `key` may have changed. */
  evictedBy: readonly string[];
  /** This module's actions that change the answer for their params' `key`: whoever calls one sees the change at once. */
  changedBy: readonly string[];
}

export interface ActionRef<P extends TSchema = TSchema, R extends TSchema = TSchema> extends ActionSpec<P, R> {
  service: string;
  name: string;
  /** `<service>.<action>`, the Moleculer action name. */
  fullName: string;
}

export interface EventRef<T extends TSchema = TSchema> {
  /** `<module>.<entity>.<pastVerb>`. */
  name: string;
  payload: T;
}

export interface Contract<
  N extends string = string,
  A extends Record<string, ActionSpec> = Record<string, ActionSpec>,
  E extends Record<string, TSchema> = Record<string, TSchema>,
  X extends Record<string, ErrorRef> = Record<string, ErrorRef>,
> {
  name: N;
  actions: { [K in keyof A & string]: ActionRef<A[K]["params"], A[K]["result"]> };
  events: { [K in keyof E & string]: EventRef<E[K]> };
  /** The module's own errors (made with `defineErrors`), for its throw sites and its callers. */
  errors: X;
  /** Field names whose values never reach a log, wherever they appear (the process's logger redacts them). */
  sensitive: readonly string[];
}

export type ParamsOf<A extends ActionRef> = Static<A["params"]>;
export type ResultOf<A extends ActionRef> = Static<A["result"]>;

const EVENT_NAME = /^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/;

/** Declares a module's contract. Event names must start with the module name. */
export function defineContract<
  const N extends string,
  const A extends Record<string, ActionSpec>,
  const E extends Record<string, TSchema>,
  const X extends Record<string, ErrorRef> = Record<never, ErrorRef>,
>(spec: { name: N; actions: A; events: E; errors?: X; sensitive?: readonly string[] }): Contract<N, A, E, X> {
  const actions = {} as Record<string, ActionRef>;
  for (const [name, action] of Object.entries(spec.actions)) {
    actions[name] = { ...action, service: spec.name, name, fullName: `${spec.name}.${name}` };
  }
  const events = {} as Record<string, EventRef>;
  for (const [name, payload] of Object.entries(spec.events)) {
    if (!EVENT_NAME.test(name) || !name.startsWith(`${spec.name}.`)) {
      throw new Error(`event "${name}" must be named ${spec.name}.<entity>.<pastVerb>`);
    }
    events[name] = { name, payload };
  }
  return { name: spec.name, actions, events, errors: spec.errors ?? {}, sensitive: spec.sensitive ?? [] } as Contract<N, A, E, X>;
}

/** Identity data that travels with a call; the token is verified by the callee, never trusted as is. */
export interface CallMeta {
  authToken?: string;
  clientIp?: string;
}

export interface CallOptions {
  meta?: CallMeta;
  requestID?: string;
  timeout?: number;
  /** Overrides the retries an idempotent action gets by default. */
  retries?: number;
  /** Only this node may answer (e.g. a process checking its own modules). */
  nodeID?: string;
  /** The module making the call, for calls made outside an action (a module's background work). */
  caller?: string;
}

/** A Moleculer broker or context: anything that can place a call. */
export interface Caller {
  call(actionName: string, params?: unknown, opts?: Record<string, unknown>): Promise<unknown>;
}

/**
 * Calls an action through the broker. Idempotent actions are retried on transient transport
 * failures; others never are, since a retry could repeat an effect.
 */
export async function call<A extends ActionRef>(
  caller: Caller,
  action: A,
  params: ParamsOf<A>,
  options: CallOptions = {},
): Promise<ResultOf<A>> {
  const retries = action.idempotent ? (options.retries ?? 2) : 0;
  const result = await caller.call(action.fullName, params, { ...options, retries });
  return result as ResultOf<A>;
}

/** Every module answers this, so the gateway can tell which modules are up. */
export function healthAction(service: string): ActionRef {
  return {
    service,
    name: "health",
    fullName: `${service}.health`,
    params: Type.Object({}),
    result: Type.Object({ status: Type.Literal("up") }),
    access: "anyone",
    idempotent: true,
  };
}

export * from "./schemas.ts";
export { CommonErrors, defineErrors, type ErrorRef, type ErrorSpec } from "./errors.ts";
