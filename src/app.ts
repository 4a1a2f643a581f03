/**
 * What every process runs (entered through main.ts). Reads the configuration, opens each wanted
 * module's database, starts the broker with those modules and, when asked, the HTTP gateway. The
 * same code runs everything in one process or a single module of a split deployment.
 */
import { randomBytes } from "node:crypto";
import { AuthKeys } from "./broker/auth.ts";
import { moduleUrl, provisionModuleRole } from "./broker/database-roles.ts";
import { busOwner, natsOptions } from "./broker/nats-options.ts";
import { developmentSecret } from "./broker/secrets.ts";
import { BusIdentity } from "./broker/bus-identity.ts";
import { createBroker } from "./broker/create-broker.ts";
import { loadModuleKeys } from "./broker/module-keys.ts";
import { openModuleDatabase, type DatabaseTarget } from "./broker/database.ts";
import { openEmbeddedPostgres, type EmbeddedPostgres } from "./broker/embedded-postgres.ts";
import { createLogger } from "./broker/logger.ts";
import { DeadLetterStream } from "./broker/events/dead-letters.ts";
import { JetStreamTransport, provisionJetStream } from "./broker/events/jetstream-transport.ts";
import { NatsEventObserver } from "./broker/events/nats-observer.ts";
import { LocalTransport, type EventTransport } from "./broker/events/transport.ts";
import { hostModule } from "./broker/module-host.ts";
import { opsService } from "./broker/ops-service.ts";
import { moduleData, subscribedEvents, type ModuleDefinition, type ModuleRuntime } from "./broker/module.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { buildGateway } from "./gateway/server.ts";
import { startDraining } from "./draining.ts";
import { startOpsServer } from "./ops-server.ts";
import { registry } from "./registry.ts";

export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env, registry.map((module) => module.contract.name));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`bazaar: configuration error: ${error.message}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, { sensitive: registry.flatMap((module) => module.contract.sensitive) });
  const started = Date.now();
  const modules = registry.filter((module) => config.modules.includes(module.contract.name));
  logger.info({ modules: config.modules, gateway: config.gateway }, "bazaar starting");
  if (process.argv[2] === "migrate") return migrateOnly(config, modules, logger);
  const closers: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close().catch((error) => logger.error({ err: error }, "shutdown step failed"));
  };

  // Last of all: what the steps of the stop traced is sent too.
  if (config.telemetry) closers.push(async () => (await import("./telemetry.ts")).stopTelemetry());
  try {
    const embedded = await openEmbeddedIfNeeded(config, modules);
    if (embedded) closers.push(() => embedded.close());
    const auth = await AuthKeys.load(config);
    const busSecret = config.natsUrl ? await secretOf(config, config.busSecret, "bus-secret") : undefined;
    const identity = busSecret ? new BusIdentity(await busKeys(config), busSecret, logger) : undefined;
    const broker = createBroker({
      namespace: config.namespace,
      owner: busOwner(config),
      natsUrl: config.natsUrl,
      nats: natsOptions(config),
      busSecret,
      identity,
      telemetry: config.telemetry,
      logger,
      logLevel: config.logLevel,
      ...config.broker,
    });
    // Closed in the reverse order of these pushes: the HTTP edge first, then the bus, the relays,
    // the event consumers, and the databases last, so each step can still use what comes after it.
    const runtimes: ModuleRuntime[] = [];
    closers.push(() => Promise.all(runtimes.map((runtime) => runtime.orm.close())));
    // Only processes that run modules publish or consume durable events; a gateway needs no JetStream.
    const events: EventTransport = config.natsUrl && modules.length > 0
      ? await JetStreamTransport.connect({ url: config.natsUrl, namespace: config.namespace, log: logger, secret: busSecret as string, connection: natsOptions(config) })
      : new LocalTransport();
    closers.push(() => events.close());
    for (const module of modules) {
      const target = await targetFor(module.contract.name, config, embedded);
      runtimes.push(await hostModule(broker, module, { target, auth, identity, config, events, log: logger }));
    }
    broker.createService(opsService({ nodeId: broker.nodeID, gateway: config.gateway, hosted: modules.map((module, i) => ({ module, runtime: runtimes[i] as ModuleRuntime })), auth, log: logger }));
    // The relays hand over what the last calls commit, so they stop after the broker has finished those.
    closers.push(() => Promise.all(runtimes.map((runtime) => runtime.relay.stop())));
    if (config.opsPort !== undefined) {
      const ops = await startOpsServer(broker, config.modules, config.host, config.opsPort);
      closers.push(() => new Promise((resolve) => ops.close(resolve)));
    }
    await broker.start();
    // Leaves the bus in order: tells the other nodes first, finishes the calls in flight, then stops
    // the modules' background work after its current batch.
    closers.push(() => broker.stop());
    // Relays start once every local subscriber is registered, so no event finds nobody home.
    for (const runtime of runtimes) runtime.relay.start();
    if (config.gateway) {
      // The gateway's cache hears of changes made elsewhere from the events on the bus (in one
      // process, from the local transport itself).
      const observer = !config.natsUrl
        ? (events as LocalTransport)
        : config.cache.ttlS > 0
          ? await NatsEventObserver.connect({ url: config.natsUrl, namespace: config.namespace, secret: busSecret as string, log: logger, connection: natsOptions(config) })
          : undefined;
      if (observer instanceof NatsEventObserver) closers.push(() => observer.close());
      const stream = config.natsUrl && config.console ? new DeadLetterStream({ natsUrl: config.natsUrl, namespace: config.namespace, secret: busSecret as string, connection: natsOptions(config) }) : undefined;
      if (stream) closers.push(() => stream.close());
      const gateway = await buildGateway(broker, config, logger, { events: observer, console: { auth, stream } });
      closers.push(() => gateway.close());
      await gateway.listen({ host: config.host, port: config.port });
    }
    const where = config.gateway ? ` at http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${config.port}/docs` : "";
    logger.info({ modules: config.modules, transport: config.natsUrl ? "nats" : "in-process", ms: Date.now() - started }, `bazaar ready${where}`);
  } catch (error) {
    logger.fatal({ err: error }, "bazaar failed to start");
    await stop();
    process.exit(1);
  }

  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, delayMs: config.shutdownDelayMs }, "bazaar stopping");
      // Readiness says so at once; the work still arriving meanwhile is served.
      startDraining();
      void new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs))
        .then(stop)
        .then(() => {
          logger.info("bazaar stopped");
          process.exit(0);
        });
    });
  }
}

/**
 * `npm run migrate`: creates the modules' roles and schemas and applies their migrations, and with
 * NATS_URL the JetStream streams and the modules' consumers, then exits; for deployments that
 * prepare the database and the bus before starting any process.
 */
async function migrateOnly(config: Config, modules: ModuleDefinition[], logger: ReturnType<typeof createLogger>): Promise<void> {
  const embedded = await openEmbeddedIfNeeded(config, modules);
  try {
    for (const module of modules) {
      const orm = await openModuleDatabase(moduleData(module).data, await targetFor(module.contract.name, config, embedded));
      await orm.close();
      logger.info({ module: module.contract.name }, "module database ready");
    }
  } finally {
    await embedded?.close();
  }
  if (config.natsUrl) {
    const subscribers = modules.map((module) => ({ consumer: module.contract.name, events: subscribedEvents(module) }));
    await provisionJetStream({ url: config.natsUrl, namespace: config.namespace, connection: natsOptions(config), subscribers });
    logger.info({ consumers: subscribers.flatMap(({ events }) => events).length }, "event streams and consumers ready");
  }
}

/** The configured secret, or outside production (which config.ts makes pass them) one made once under DATA_DIR. */
function secretOf(config: Config, configured: string | undefined, name: string): Promise<string> {
  if (configured) return Promise.resolve(configured);
  return developmentSecret(config.dataDir, name, () => randomBytes(32).toString("hex"));
}

/** The keys of the modules this process runs, and every module's public key (module-keys.ts). */
function busKeys(config: Config) {
  const settings = { env: config.env, dataDir: config.dataDir, signingKeys: config.moduleSigningKeys, publicKeys: config.modulePublicKeys };
  return loadModuleKeys(settings, config.modules, registry.map((module) => module.contract.name));
}

async function openEmbeddedIfNeeded(config: Config, modules: ModuleDefinition[]): Promise<EmbeddedPostgres | undefined> {
  const needsEmbedded = modules.some((module) => !config.moduleDatabaseUrls[module.contract.name] && !config.databaseUrl);
  return needsEmbedded ? openEmbeddedPostgres(config.dataDir, modules.map((module) => moduleData(module).data)) : undefined;
}

async function targetFor(name: string, config: Config, embedded: EmbeddedPostgres | undefined): Promise<DatabaseTarget> {
  const own = config.moduleDatabaseUrls[name];
  if (own) return { kind: "postgres", url: own, poolMax: config.databasePoolMax };
  if (config.databaseUrl && config.databaseRoles === "module") {
    const password = config.moduleDatabasePasswords[name];
    await provisionModuleRole(config.databaseUrl, name, password);
    return { kind: "postgres", url: moduleUrl(config.databaseUrl, name, password), poolMax: config.databasePoolMax };
  }
  if (config.databaseUrl) return { kind: "postgres", url: config.databaseUrl, poolMax: config.databasePoolMax };
  if (!embedded) throw new Error(`no database for module ${name}`);
  return { kind: "embedded", pglite: embedded.pglite };
}

