/**
 * `npm run cli -- <command>`: a terminal onto a running bazaar. The bus commands join a split
 * deployment's bus as a node of their own, with the settings its processes take (NATS_URL,
 * BUS_NAMESPACE, NATS_USER / NATS_PASSWORD or the other NATS_* files, and BUS_SECRET, or outside
 * production the development secret under DATA_DIR); the shipped NATS config has the `ops` user
 * for it. What only an admin may see takes an access token: BAZAAR_TOKEN or `--token=`.
 */
import { hostname } from "node:os";
import path from "node:path";
import { BusIdentity } from "../src/broker/bus-identity.ts";
import { call } from "../src/broker/contract-kit.ts";
import { createBroker, type Broker } from "../src/broker/create-broker.ts";
import { describeError } from "../src/broker/errors.ts";
import { createLogger } from "../src/broker/logger.ts";
import { loadModuleKeys, newSigningKey, publicKeysText, publicKeyText, signingKeyEnv } from "../src/broker/module-keys.ts";
import { natsOptions } from "../src/broker/nats-options.ts";
import { Ops, type NodeStatus } from "../src/broker/ops-service.ts";
import { brokerSettings, modulePublicKeys, natsSettings } from "../src/config.ts";
import { probeModules } from "../src/gateway/plugins/health.ts";
import { Identity } from "../src/modules/identity/contract.ts";
import { busSecretOf, deadLetters } from "./dead-letters.ts";
import { moduleNames } from "./processes.ts";

const USAGE = `usage: npm run cli -- <command>

  nodes                      the nodes on the bus and the modules each runs (with a token: pid, uptime, memory)
  health                     every module, up or down
  login <email>              signs in (password from BAZAAR_PASSWORD, else the first line of stdin); prints the access token
  call <module.action> [json]  calls an action as the token's user and prints its answer
  dead-letters [--redrive[=<sequence or id>]]
                             the events no one could handle, and sends them again (see scripts/dead-letters.ts)
  module-keys                new keys for a deployment: each module's <MODULE>_SIGNING_KEY (give each to that
                             module's processes only) and MODULE_PUBLIC_KEYS (for every process); joins no bus

options: --token=<access token> (or BAZAAR_TOKEN), --json (one JSON value per line)`;

/** The others announce themselves as a node joins: it waits until what it needs is there, or nothing new came for QUIET_MS. */
const QUIET_MS = 500;
const DISCOVERY_MAX_MS = 5_000;

class CliError extends Error {}

const env = process.env;
const args = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const flag = (name: string) => process.argv.find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
const token = flag("token")?.split("=").slice(1).join("=") || env.BAZAAR_TOKEN || undefined;
const json = flag("json") !== undefined;

interface Command {
  /** What must be on the bus before the command runs; without it, whatever answered before the bus went quiet. */
  needs?: (args: string[]) => string[];
  run(broker: Broker): Promise<void>;
}

type Registered = { id: string; hostname?: string; services: { name: string }[] };

const commands: Record<string, Command> = {
  nodes: {
    async run(broker) {
      const nodes = (broker.registry.getNodeList({ onlyAvailable: true, withServices: true }) as unknown as Registered[]).filter((node) => node.id !== broker.nodeID);
      for (const node of nodes.sort((a, b) => a.id.localeCompare(b.id))) {
        const modules = node.services.map((s) => s.name).filter((name) => !name.startsWith("$"));
        const status = token ? await call(broker, Ops.actions.status, {}, { nodeID: node.id, meta: { authToken: token }, retries: 0 }).catch((error: unknown) => describeError(error)) : undefined;
        if (json) print({ id: node.id, hostname: node.hostname, modules, ...(status && "pid" in status ? { pid: status.pid, gateway: status.gateway, uptimeS: status.uptimeS, rssBytes: status.rssBytes } : status ? { unanswered: status.detail } : {}) });
        else print(nodeLine(node.id, modules, status));
      }
    },
  },
  health: {
    needs: () => moduleNames().map((name) => `${name}.health`),
    async run(broker) {
      const states = await probeModules(broker, moduleNames());
      if (json) print(Object.fromEntries(states));
      else for (const [name, state] of states) print(`${name.padEnd(12)} ${state}`);
      if (states.some(([, state]) => state === "down")) process.exitCode = 1;
    },
  },
  login: {
    needs: () => [Identity.actions.login.fullName],
    async run(broker) {
      const email = args[1];
      if (!email) throw new CliError("login needs an email: npm run cli -- login <email>");
      const password = env.BAZAAR_PASSWORD ?? (await firstLineOfStdin());
      const answer = await call(broker, Identity.actions.login, { email, password });
      print(json ? answer : answer.accessToken);
    },
  },
  call: {
    needs: (args) => (args[1] ? [args[1]] : []),
    async run(broker) {
      const [, action, raw] = args;
      if (!action || !/^[a-z][\w-]*\.[a-zA-Z]\w*$/.test(action)) throw new CliError("call needs an action: npm run cli -- call <module.action> [json params]");
      let params: unknown;
      try {
        params = raw === undefined ? {} : JSON.parse(raw);
      } catch {
        throw new CliError(`the params are not JSON: ${raw}`);
      }
      if (!broker.registry.actions.isAvailable(action)) throw new CliError(`no node on the bus offers ${action}`);
      // Straight to the module, which validates and authorizes it like any call from the gateway.
      print(await broker.call(action, params, { meta: token ? { authToken: token } : {}, retries: 0 }));
    },
  },
};

function printModuleKeys(): void {
  const keys = Object.fromEntries(moduleNames().map((module) => [module, newSigningKey()]));
  for (const [module, key] of Object.entries(keys)) console.log(`${signingKeyEnv(module)}=${key}`);
  console.log(`MODULE_PUBLIC_KEYS=${publicKeysText(Object.fromEntries(Object.entries(keys).map(([module, key]) => [module, publicKeyText(key)])))}`);
}

function nodeLine(id: string, modules: string[], status: NodeStatus | { detail: string } | undefined): string {
  const runs = modules.join(",") || (status && "gateway" in status && status.gateway ? "gateway" : "-");
  const about = !status ? "" : "pid" in status ? `pid ${status.pid}, up ${status.uptimeS} s, ${Math.round(status.rssBytes / 2 ** 20)} MB` : `($ops: ${status.detail})`;
  return `${id.padEnd(36)} ${runs.padEnd(40)} ${about}`.trimEnd();
}

function print(value: unknown): void {
  console.log(typeof value === "string" ? value : JSON.stringify(value, null, json ? undefined : 2));
}

async function firstLineOfStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0] ?? "";
}

async function joinBus(needs: string[]): Promise<Broker> {
  if (!env.NATS_URL) throw new CliError("NATS_URL is not set: this command joins a split deployment's bus, and one process has none (its console is at /console)");
  const busSecret = await busSecretOf(env).catch((error: Error) => {
    throw new CliError(error.message);
  });
  const logger = createLogger(env.LOG_LEVEL || "warn");
  // A node of no module: it sees which nodes proved which modules, and may call no internal action.
  const keys = await Promise.resolve()
    .then(() => loadModuleKeys({ env: env.NODE_ENV || "development", dataDir: path.resolve(env.DATA_DIR || ".data"), signingKeys: {}, publicKeys: modulePublicKeys(env.MODULE_PUBLIC_KEYS, moduleNames()) }, [], moduleNames()))
    .catch((error: Error) => {
      throw new CliError(error.message);
    });
  const broker = createBroker({
    namespace: env.BUS_NAMESPACE || "bazaar",
    // The CLI's own name (ops.cli-…), heard under its NATS user like any node's (ops in the shipped config).
    owner: env.NATS_USER || "ops",
    nodeID: `${env.NATS_USER || "ops"}.cli-${hostname().replaceAll(".", "-")}-${process.pid}`,
    natsUrl: env.NATS_URL,
    nats: natsOptions({ nats: natsSettings(env) }),
    busSecret,
    identity: new BusIdentity(keys, busSecret, logger),
    logger,
    logLevel: env.LOG_LEVEL || "warn",
    ...brokerSettings(env),
  });
  await broker.start();
  await discovery(broker, needs);
  return broker;
}

async function discovery(broker: Broker, needs: string[]): Promise<void> {
  const deadline = Date.now() + DISCOVERY_MAX_MS;
  let known = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    if (needs.length > 0 && needs.every((action) => broker.registry.actions.isAvailable(action))) return;
    const count = broker.registry.getNodeList({ onlyAvailable: true }).length;
    if (count !== known) [known, quietSince] = [count, Date.now()];
    else if (Date.now() - quietSince >= QUIET_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function run(): Promise<void> {
  const command = args[0];
  if (command === "dead-letters") return deadLetters(env, process.argv.slice(3));
  if (command === "module-keys") return printModuleKeys();
  const handler = command ? commands[command] : undefined;
  if (!handler) {
    console.error(USAGE);
    process.exitCode = command && command !== "help" ? 2 : 0;
    return;
  }
  const broker = await joinBus(handler.needs?.(args) ?? []);
  try {
    await handler.run(broker);
  } finally {
    await broker.stop();
  }
}

try {
  await run();
} catch (error) {
  if (error instanceof CliError) console.error(`bazaar: ${error.message}`);
  else {
    // Answers as the HTTP API would: the problem's status, code and detail (and its data, if any).
    const problem = describeError(error);
    console.error(`bazaar: ${problem.status} ${problem.code}: ${problem.detail}${problem.data ? ` ${JSON.stringify(problem.data)}` : ""}`);
  }
  process.exitCode = 1;
}
