/**
 * `npm run dead-letters` lists the events no subscriber could handle (split over NATS);
 * `npm run dead-letters -- --redrive` sends them again once the cause is fixed. Reads NATS_URL,
 * BUS_NAMESPACE and BUS_SECRET (or the development secret under DATA_DIR) like the processes do. In one process, dead events stay in each module's outbox
 * (`dead_at` set); the console (/console) lists and redrives both kinds.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { listDeadLetters, redriveDeadLetters } from "../src/broker/events/dead-letters.ts";

const at = { natsUrl: process.env.NATS_URL || "nats://127.0.0.1:4222", namespace: process.env.BUS_NAMESPACE || "bazaar" };

if (process.argv.includes("--redrive")) {
  const secret = process.env.BUS_SECRET || (await readFile(path.resolve(process.env.DATA_DIR || ".data", "keys/bus-secret"), "utf8"));
  console.log(`redriven: ${await redriveDeadLetters(at, secret)}`);
} else {
  for (const letter of (await listDeadLetters(at)).letters) {
    console.log(JSON.stringify({ sequence: letter.sequence, consumer: letter.consumer, error: letter.error, event: letter.envelope.name, id: letter.envelope.id }));
  }
}
