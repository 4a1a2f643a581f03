/**
 * Runs one module on a broker of its own against a fresh database on the real PostgreSQL server,
 * the way a module test in the Spring Modulith style does: only that module, and whatever services
 * the test adds beside it (subscribers or stubs built from other modules' contracts).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ServiceSchema } from "moleculer";
import { AuthKeys, type AuthUser } from "../../src/broker/auth.ts";
import { call, type ActionRef, type Contract, type ParamsOf, type ResultOf } from "../../src/broker/contract-kit.ts";
import { createBroker, type Broker } from "../../src/broker/create-broker.ts";
import type { ModuleOrm } from "../../src/broker/database.ts";
import { LocalTransport } from "../../src/broker/events/transport.ts";
import { hostModule } from "../../src/broker/module-host.ts";
import { createLogger } from "../../src/broker/logger.ts";
import type { ModuleDefinition, ModuleRuntime } from "../../src/broker/module.ts";
import { validationFailed } from "../../src/broker/errors.ts";
import { compileCheck } from "../../src/broker/validator.ts";
import { loadConfig } from "../../src/config.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";

export interface ModuleHarness {
  broker: Broker;
  db: TestDatabase;
  orm: ModuleOrm;
  runtime: ModuleRuntime;
  /** The in-process event transport: subscribe to see what the module publishes. */
  events: LocalTransport;
  auth: AuthKeys;
  /** Calls an action as `user` (signed in with a real token), or anonymously. */
  call<A extends ActionRef>(action: A, params: ParamsOf<A>, user?: AuthUser): Promise<ResultOf<A>>;
  /** Calls as another module would (internal actions accept it). */
  callAsModule<A extends ActionRef>(action: A, params: ParamsOf<A>, caller?: string): Promise<ResultOf<A>>;
  /** Calls with an arbitrary token, e.g. a forged one. */
  callWithToken<A extends ActionRef>(action: A, params: ParamsOf<A>, token: string): Promise<ResultOf<A>>;
  close(): Promise<void>;
}

export async function startModule(
  module: ModuleDefinition,
  options: { env?: Record<string, string>; services?: ServiceSchema[] } = {},
): Promise<ModuleHarness> {
  const name = module.contract.name;
  const db = await createTestDatabase(name);
  const dataDir = await mkdtemp(path.join(tmpdir(), `bazaar-${name}-`));
  const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, DATABASE_URL: db.url, ...options.env }, [name]);
  const logger = createLogger("silent");
  const auth = await AuthKeys.load(config);
  const broker = createBroker({ namespace: `test-${randomBytes(4).toString("hex")}`, logger, logLevel: "silent", ...config.broker });
  const events = new LocalTransport();
  const runtime = await hostModule(broker, module, { target: { kind: "postgres", url: db.url, poolMax: 3 }, auth, identity: undefined, config, events, log: logger });
  for (const service of options.services ?? []) broker.createService(service);
  await broker.start();
  runtime.relay.start();

  const callWithToken = <A extends ActionRef>(action: A, params: ParamsOf<A>, token: string | undefined) =>
    call(broker, action, params, { meta: { authToken: token, clientIp: "192.0.2.1" } });
  return {
    broker,
    db,
    orm: runtime.orm,
    runtime,
    events,
    auth,
    async call(action, params, user) {
      const token = user ? (await auth.sign(user)).accessToken : undefined;
      return callWithToken(action, params, token as string);
    },
    callWithToken,
    callAsModule: (action, params, caller = "tests") => call(broker, action, params, { caller }),
    async close() {
      await runtime.relay.stop();
      await broker.stop();
      await runtime.orm.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Expects `promise` to fail with one of our errors; returns its status, code and data. */
export async function failureOf(promise: Promise<unknown>): Promise<{ status: number; code: string; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    const err = error as { code: number; type: string; data?: unknown };
    return { status: err.code, code: err.type, data: err.data };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

type StubHandlers<C extends Contract> = Partial<{ [K in keyof C["actions"]]: (params: ParamsOf<C["actions"][K]>) => Promise<ResultOf<C["actions"][K]>> }>;

/**
 * A stand-in for another module, built from its contract: only the actions a test needs. It holds
 * both sides to the contract, so it cannot drift from the module it stands for: params the
 * contract refuses are refused as the module would (400), and an answer the contract does not
 * allow fails the test.
 */
export function stubModule<C extends Contract>(contract: C, handlers: StubHandlers<C>): ServiceSchema {
  const actions: ServiceSchema["actions"] = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const action = contract.actions[name] as ActionRef;
    const [checkParams, checkResult] = [compileCheck(action.params), compileCheck(action.result)];
    actions[name] = async (ctx: { params: unknown }) => {
      const refused = checkParams(ctx.params);
      if (refused) throw validationFailed(refused);
      const result = await (handler as (params: unknown) => Promise<unknown>)(ctx.params);
      const wrong = checkResult(result);
      if (wrong) throw new Error(`the stub of ${action.fullName} answered what its contract does not allow: ${JSON.stringify(wrong)}`);
      return result;
    };
  }
  return { name: contract.name, actions };
}
