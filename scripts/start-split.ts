/**
 * `npm run start:split`: the split topology on this machine, for development. Every module in a
 * process of its own plus the gateway, talking over NATS, on one PostgreSQL database (one schema per
 * module). Ctrl-C stops them all.
 */
import pg from "pg";
import { spawnSplit, stopAll } from "./processes.ts";

const natsUrl = process.env.NATS_URL || "nats://127.0.0.1:4222";
const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/bazaar";

await ensureDatabase(databaseUrl);
const processes = spawnSplit({ NATS_URL: natsUrl, DATABASE_URL: databaseUrl });
console.error(`bazaar split: ${processes.map((p) => p.name).join(", ")} over ${natsUrl}; Ctrl-C stops them all`);

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await stopAll(processes);
  process.exit(code);
};
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
for (const { name, exited } of processes) {
  void exited.then((code) => {
    if (stopping) return;
    console.error(`bazaar split: ${name} exited with code ${code}; stopping the others`);
    void stop(1);
  });
}

/** Creates the database on first use, so the split topology needs no set-up beyond a server. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const server = new URL(url);
  server.pathname = "/postgres";
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
