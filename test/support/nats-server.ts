/**
 * A private nats-server running the shipped deploy/nats/nats-server.conf (only its JetStream store
 * moved to a temporary directory), with a password per user, for tests of the NATS permissions.
 * Its streams and consumers are made as `npm run migrate` makes them (as the `ops` user), unless
 * asked not to.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect } from "nats";
import { moduleNames } from "../../scripts/processes.ts";
import { defenceOff } from "../../src/broker/defences.ts";
import { provisionJetStream } from "../../src/broker/events/jetstream-transport.ts";
import { subscribedEvents } from "../../src/broker/module.ts";
import { inboxPrefixOf } from "../../src/broker/nats-options.ts";
import { registry } from "../../src/registry.ts";
import { freePort } from "./topology.ts";

const CONFIG = path.resolve(import.meta.dirname, "../../deploy/nats/nats-server.conf");

export interface ShippedNats {
  url: string;
  /** The password of a user of the shipped file (a module name, "gateway" or "ops"). */
  password(user: string): string;
  /** Connection options for that user, as bazaar's processes connect (its own inbox prefix included). */
  login(user: string): { user: string; pass: string; inboxPrefix: string };
  /** Clients connected now, and connections made since the server started (its monitoring endpoint). */
  connections(): Promise<{ now: number; total: number }>;
  stop(): Promise<void>;
}

/** Each module and the events it subscribes to, as `npm run migrate` provisions them. */
export const subscribers = registry.map((module) => ({ consumer: module.contract.name, events: subscribedEvents(module) }));

export async function startShippedNats({ provisioned = true } = {}): Promise<ShippedNats> {
  const store = await mkdtemp(path.join(tmpdir(), "bazaar-nats-"));
  const [port, monitor] = [await freePort(), await freePort()];
  const url = `nats://127.0.0.1:${port}`;
  const password = (user: string) => `${user}-password-for-tests`;
  const login = (user: string) => ({ user, pass: password(user), inboxPrefix: inboxPrefixOf(user) });
  const env = Object.fromEntries([...moduleNames(), "gateway", "ops"].map((user) => [`${user.toUpperCase()}_NATS_PASSWORD`, password(user)]));
  const config = path.join(store, "nats-server.conf");
  let text = (await readFile(CONFIG, "utf8")).replace(/store_dir: .*/, `store_dir: ${JSON.stringify(path.join(store, "js"))}`);
  // `npm run test:defences`: every user may publish and subscribe to anything.
  if (defenceOff("nats-permissions")) text = text.replaceAll(/, permissions: \{[\s\S]*?\] \} \}/g, " }");
  await writeFile(config, text);
  const server = spawn("/usr/sbin/nats-server", ["-c", config, "-p", String(port), "-m", String(monitor)], { env: { ...process.env, ...env }, stdio: "ignore" });
  const connections = async () => {
    const varz = (await (await fetch(`http://127.0.0.1:${monitor}/varz`)).json()) as { connections: number; total_connections: number };
    return { now: varz.connections, total: varz.total_connections };
  };
  const stop = async () => {
    server.kill();
    await rm(store, { recursive: true, force: true });
  };
  for (let i = 0; i < 50; i++) {
    const nc = await connect({ servers: url, user: "gateway", pass: password("gateway") }).catch(() => undefined);
    if (nc) {
      await nc.close();
      if (provisioned) await provisionJetStream({ url, namespace: "bazaar", connection: login("ops"), subscribers });
      return { url, password, login, connections, stop };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error("nats-server did not start");
}
