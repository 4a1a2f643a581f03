/**
 * Runs a module inside a process: opens its database (own schema, migrations, outbox and inbox),
 * gives it an outbox relay, and registers its service on the broker.
 */
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { AuthKeys } from "./auth.ts";
import { call } from "./contract-kit.ts";
import type { Broker } from "./create-broker.ts";
import { openModuleDatabase, type DatabaseTarget, type ModuleEntityManager } from "./database.ts";
import { moduleCalls } from "./metrics.ts";
import { moduleSql } from "./module-sql.ts";
import { publisherFor, type StagedEvent } from "./events/publisher.ts";
import { DEFAULT_RELAY_SETTINGS, OutboxRelay, type RelaySettings } from "./events/relay.ts";
import { SubscriberRetries } from "./events/retries.ts";
import type { EventTransport } from "./events/transport.ts";
import { moduleData, type ModuleDefinition, type ModuleRuntime } from "./module.ts";
import type { BusIdentity } from "./bus-identity.ts";
import { callingModule } from "./service-identity.ts";
import { serviceSchema } from "./service-schema.ts";

export interface HostSettings {
  target: DatabaseTarget;
  auth: AuthKeys;
  /** What other nodes on the bus proved of themselves; none in one process. */
  identity: BusIdentity | undefined;
  config: Config;
  events: EventTransport;
  log: Logger;
  relay?: RelaySettings;
}

/** Opens the module and registers its service; start its relay once the broker has started. */
export async function hostModule(broker: Broker, module: ModuleDefinition, settings: HostSettings): Promise<ModuleRuntime> {
  const name = module.contract.name;
  const { data, tables } = moduleData(module);
  const orm = await openModuleDatabase(data, settings.target);
  const log = settings.log.child({ module: name });
  const relay = new OutboxRelay(orm, name, settings.events, log, settings.relay ?? DEFAULT_RELAY_SETTINGS);
  const db = await moduleSql(orm, settings.target, name, (events) => relay.handOff(events));
  const runtime: ModuleRuntime = {
    name,
    orm,
    db,
    tables,
    relay,
    retries: new SubscriberRetries(orm, name, name),
    events: settings.events,
    auth: settings.auth,
    callingModule: callingModule(broker.nodeID, settings.identity),
    config: settings.config,
    log,
    call: (action, params) => {
      moduleCalls.inc({ caller: name, callee: action.service });
      return call(broker, action, params, { caller: name });
    },
    async transactional(work) {
      const staged: StagedEvent[] = [];
      const result = await orm.em.fork().transactional((tx) => work({ em: tx as ModuleEntityManager, publish: publisherFor(tx as ModuleEntityManager, tables.Outbox, null, staged) }));
      relay.handOff(staged);
      return result;
    },
  };
  broker.createService(serviceSchema(module, runtime));
  return runtime;
}
