/**
 * `npm run dead-letters` (the same as `npm run cli -- dead-letters`) lists the events that could not
 * be handled; `-- --redrive` sends them all again once the cause is fixed, `-- --redrive=<sequence or
 * event id>` only one. The console (/console) does the same from a browser.
 *
 * - Split (NATS_URL set): JetStream's dead-letter stream, reached with the NATS settings the
 *   processes take (NATS_USER, NATS_PASSWORD, NATS_CREDS_FILE, NATS_TLS_*; the shipped
 *   deploy/nats/nats-server.conf has an `ops` user for this) and BUS_NAMESPACE. Events open with
 *   BUS_SECRET (or the development secret under DATA_DIR); one goes again only if it opens, and the
 *   others are reported and stay.
 * - The modules' own (DATABASE_URL set, or in one process the embedded database under DATA_DIR,
 *   which bazaar must not hold at the same time): the events a module's relay gave up publishing,
 *   and in one process those a module gave up handling.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { openModuleDatabase, type DatabaseTarget } from "../src/broker/database.ts";
import { listDeadLetters, redriveDeadLetters } from "../src/broker/events/dead-letters.ts";
import { OutboxRelay } from "../src/broker/events/relay.ts";
import { SubscriberRetries } from "../src/broker/events/retries.ts";
import { LocalTransport } from "../src/broker/events/transport.ts";
import { openEmbeddedPostgres } from "../src/broker/embedded-postgres.ts";
import { createLogger } from "../src/broker/logger.ts";
import { moduleData } from "../src/broker/module.ts";
import { natsOptions } from "../src/broker/nats-options.ts";
import { natsSettings } from "../src/config.ts";
import { registry } from "../src/registry.ts";

const ALL = 1_000_000;

/** BUS_SECRET, or outside production the development secret a start made under DATA_DIR (never a new one). */
export async function busSecretOf(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.BUS_SECRET) return env.BUS_SECRET;
  const dataDir = path.resolve(env.DATA_DIR || ".data");
  return readFile(path.join(dataDir, "keys/bus-secret"), "utf8").catch(() => {
    throw new Error(`BUS_SECRET is not set and there is no development secret under ${dataDir}`);
  });
}
const print = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

/** Prints one JSON line per dead letter (or per redrive); `args` are the command's own options. */
export async function deadLetters(env: NodeJS.ProcessEnv, args: string[]): Promise<void> {
  const redrive = args.find((arg) => arg === "--redrive" || arg.startsWith("--redrive="));
  const only = redrive?.includes("=") ? redrive.slice("--redrive=".length) : undefined;
  const dataDir = path.resolve(env.DATA_DIR || ".data");

  if (env.NATS_URL) {
    const at = { natsUrl: env.NATS_URL, namespace: env.BUS_NAMESPACE || "bazaar", secret: await busSecretOf(env), connection: natsOptions({ nats: natsSettings(env) }) };
    if (redrive) {
      const sequence = only === undefined ? undefined : Number(only);
      if (sequence === undefined || Number.isInteger(sequence)) print({ where: "stream", ...(await redriveDeadLetters(at, sequence)) });
    } else {
      for (const letter of (await listDeadLetters(at)).letters) {
        // An event that does not open with BUS_SECRET shows only what its subject says.
        print({ where: "stream", sequence: letter.sequence, consumer: letter.consumer, event: letter.event, id: letter.envelope?.id ?? null, error: letter.error });
      }
    }
  }

  if (env.DATABASE_URL || !env.NATS_URL) {
    const modules = registry.map((module) => moduleData(module).data);
    const embedded = env.DATABASE_URL ? undefined : await openEmbeddedPostgres(dataDir, modules);
    const target: DatabaseTarget = embedded ? { kind: "embedded", pglite: embedded.pglite } : { kind: "postgres", url: env.DATABASE_URL as string, poolMax: 1 };
    try {
      for (const data of modules) {
        const orm = await openModuleDatabase(data, target);
        try {
          const outbox = new OutboxRelay(orm, data.name, new LocalTransport(), createLogger("silent"));
          const retries = new SubscriberRetries(orm, data.name, data.name);
          const kept = [
            ...(await outbox.report(ALL)).deadLetters.map((letter) => ({ where: `${data.name} outbox`, letter, redrive: () => outbox.redrive(letter.id) })),
            ...(await retries.report(ALL)).deadLetters.map((letter) => ({ where: `handled by ${data.name}`, letter, redrive: () => retries.redrive(letter.id) })),
          ];
          for (const { where, letter, redrive: again } of kept) {
            if (!redrive) print({ where, event: letter.name, id: letter.id, attempts: letter.attempts, error: letter.error });
            else if (only === undefined || only === letter.id) print({ where, id: letter.id, redriven: await again() });
          }
        } finally {
          await orm.close();
        }
      }
    } finally {
      await embedded?.close();
    }
  }
}
