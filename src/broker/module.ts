/**
 * What a business module is, to the process that runs it: a contract, its tables and migrations,
 * handlers for every action of the contract, and subscribers to other modules' events.
 */
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { AuthKeys, AuthUser } from "./auth.ts";
import type { ActionRef, Contract, EventRef, ParamsOf, ResultOf, Static } from "./contract-kit.ts";
import type { NextDue } from "./background.ts";
import type { Entity, MigrationObject, ModuleData, ModuleEntityManager, ModuleOrm } from "./database.ts";
import type { ModuleSql } from "./module-sql.ts";
import { AddTraceParent, CreateEventRetries, CreateEventTables, eventEntities, IndexDeadEvents } from "./events/event-tables.ts";
import type { Publish } from "./events/publisher.ts";
import type { OutboxRelay } from "./events/relay.ts";
import type { SubscriberRetries } from "./events/retries.ts";
import type { EventTransport } from "./events/transport.ts";
import type { CallingModule } from "./service-identity.ts";

export type EventTables = ReturnType<typeof eventEntities>;

/** What a module's handlers get from the process that runs them. */
export interface ModuleRuntime {
  /** The module's name, as in its contract. */
  name: string;
  orm: ModuleOrm;
  /** Plain SQL on the module's connections (prepared statements), for reads that need no unit of work. */
  db: ModuleSql;
  tables: EventTables;
  relay: OutboxRelay;
  /** The deliveries of events to this module that failed and wait for another try (one process only). */
  retries: SubscriberRetries;
  events: EventTransport;
  auth: AuthKeys;
  /** The module making a call to one of this module's actions, proven (service-identity.ts). */
  callingModule: CallingModule;
  config: Config;
  log: Logger;
  /** For background work: a transaction that may publish (its events are relayed once it commits). */
  transactional: Transactional;
  /** For background work: a typed call into another module's contract, as this module. */
  call<A extends ActionRef>(action: A, params: ParamsOf<A>): Promise<ResultOf<A>>;
}

export type { Publish };

/** A transaction whose entity manager and `publish` commit together. */
export type Transactional = <T>(work: (tx: { em: ModuleEntityManager; publish: Publish }) => Promise<T>) => Promise<T>;

/** Everything an action handler may use for one call. */
export interface ActionContext {
  /** The verified caller; null for actions open to anyone. */
  user: AuthUser | null;
  requestId: string;
  clientIp: string | undefined;
  log: Logger;
  /** A fresh entity manager for this call; a flush commits changes and staged events together. */
  em: ModuleEntityManager;
  /** Plain SQL, for reads that need no unit of work (cheaper than `em` by far). */
  db: ModuleSql;
  /** A typed call into another module's contract, carrying this call's identity and request id. */
  call<A extends ActionRef>(action: A, params: ParamsOf<A>): Promise<ResultOf<A>>;
  publish: Publish;
  /**
   * Runs `work` in one database transaction whose entity manager and `publish` commit together.
   * Never call another module inside it: on the embedded database that would wait for this very
   * transaction's connection.
   */
  transactional: Transactional;
}

/** Everything an event subscriber may use; `em` is inside the transaction that records the event as handled. */
export interface EventContext {
  eventId: string;
  requestId: string | null;
  log: Logger;
  em: ModuleEntityManager;
  publish: Publish;
}

export type Handlers<C extends Contract> = {
  [K in keyof C["actions"]]: (params: ParamsOf<C["actions"][K]>, ctx: ActionContext) => Promise<ResultOf<C["actions"][K]>>;
};

/** One event of those a batch subscriber handles together (see `onBatch`). */
export interface BatchedEvent<P = unknown> {
  payload: P;
  eventId: string;
  requestId: string | null;
  /** This event's own consumer span, for work that carries its trace on (undefined outside a trace). */
  traceParent: string | undefined;
  /** Stages an event that follows from this one, in its request and its trace. */
  publish: Publish;
}

/** What a batch subscriber may use; `em` is inside the transaction that records its events as handled. */
export interface BatchContext {
  log: Logger;
  em: ModuleEntityManager;
}

export type Subscription =
  | { event: EventRef; handle(payload: unknown, ctx: EventContext): Promise<void> }
  | { event: EventRef; handleAll(events: BatchedEvent[], ctx: BatchContext): Promise<void> };

/** Subscribes to a durable event declared in a (usually another module's) contract. */
export function on<E extends EventRef>(event: E, handle: (payload: Static<E["payload"]>, ctx: EventContext) => Promise<void>): Subscription {
  return { event, handle: handle as (payload: unknown, ctx: EventContext) => Promise<void> };
}

/**
 * Subscribes with an effect that one statement applies to many events: the events of this kind
 * that arrive together (up to 64, in arrival order, none handled before) come in one call. For
 * the busiest subscriptions, where a statement per event would be the cost; `on` otherwise.
 */
export function onBatch<E extends EventRef>(event: E, handleAll: (events: BatchedEvent<Static<E["payload"]>>[], ctx: BatchContext) => Promise<void>): Subscription {
  return { event, handleAll: handleAll as (events: BatchedEvent[], ctx: BatchContext) => Promise<void> };
}

/** The names of the events `module` subscribes to. */
export const subscribedEvents = (module: ModuleDefinition): string[] => (module.subscriptions ?? []).map((subscription) => subscription.event.name);

/** Work a module does in the background: see background.ts for when it runs. */
export interface BackgroundWork {
  name: string;
  /** Does the work that is due; may answer in how many ms its next piece falls due. */
  run(): Promise<NextDue>;
  /** The longest it waits between runs when nothing wakes it. */
  fallbackMs: number;
  /** When its first run is due after start (default at once); housekeeping waits, to keep start-up free of it. */
  firstRunMs?: number;
  /** Events whose handling by this module gives it work: it runs right after each. */
  wokenBy?: EventRef[];
}

export interface ModuleDefinition<C extends Contract = Contract> {
  contract: C;
  entities: Entity[];
  migrations: MigrationObject[];
  handlers(runtime: ModuleRuntime): Handlers<C>;
  /** The events it handles; declared, not built at run time, so deployments can derive its consumers. */
  subscriptions?: Subscription[];
  /** Runs once the module's service has started (seed data, background work). */
  started?(runtime: ModuleRuntime): Promise<void>;
  /** Work the module does in the background while its service runs (one run at a time each). */
  background?(runtime: ModuleRuntime): BackgroundWork[];
  /**
   * At most this many calls of an action run at once in a process; the others wait their turn, in
   * order (a bulkhead). For work that would otherwise crowd out what finishes it.
   */
  concurrency?(runtime: ModuleRuntime): Partial<Record<keyof C["actions"], number>>;
}

/** Declares a module; the type parameter ties its handlers to its contract. */
export function defineModule<C extends Contract>(definition: ModuleDefinition<C>): ModuleDefinition<C> {
  return definition;
}

/** The module's tables as its ORM sees them: its own entities plus its outbox and inbox. */
export function moduleData(module: ModuleDefinition): { data: ModuleData; tables: EventTables } {
  const tables = eventEntities();
  return {
    tables,
    data: {
      name: module.contract.name,
      entities: [...module.entities, tables.Outbox, tables.Inbox],
      migrations: [
        { name: "0000-event-tables", class: CreateEventTables },
        { name: "0000-event-tables-trace-parent", class: AddTraceParent },
        { name: "0000-event-tables-dead-index", class: IndexDeadEvents },
        { name: "0000-event-tables-retries", class: CreateEventRetries },
        ...module.migrations,
      ],
    },
  };
}
