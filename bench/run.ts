/**
 * `npm run bench`: bazaar beside a hand-written fastify + pg service and an HTTP ceiling, all in one
 * run on this machine, servers pinned to core 0 and the load generator to core 1. Scenarios: product
 * by id, a search page, checkout through to `paid`, the idle database, start-up on the embedded
 * database and the cache's invalidation delay. Writes bench/results/<date>.md and .svg.
 *
 *   npm run bench [-- --profile] [-- --quick]
 *
 * `--profile` also writes a CPU profile of bazaar (one process, PostgreSQL) under the read scenario
 * (`--profile=checkout`: under the checkout scenario);
 * `--quick` runs every scenario for a second on a few products, to check the bench itself works;
 * `--only=pg,ceiling,baseline,cache,otel,split,embedded` and `--scenarios=byId,search,checkout,idle`
 * run a part (the report then says n/a for the rest).
 * Needs PostgreSQL and NATS like the tests (TEST_POSTGRES_URL, TEST_NATS_URL).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { createTestDatabase } from "../test/support/postgres.ts";
import { NATS_URL } from "../test/support/topology.ts";
import { moduleNames } from "../scripts/processes.ts";
import { machine, pinServices, versionOf } from "./probe.ts";
import { markdown, svg, type ReadRow, type Report, type Target } from "./report.ts";
import { measureCheckout, measureIdle, measureInvalidation, measureLoad, type CheckoutMeasured, type IdleMeasured, type Measured, type Settings } from "./scenarios.ts";
import { customerTokens, SEARCH_WORDS, seedProducts, stockedProduct } from "./seed.ts";
import { startBaseline, startBazaar, startCeiling, type BazaarOptions, type Server } from "./servers.ts";
import { summarizeProfile } from "./profile.ts";

const argv = new Set(process.argv.slice(2));
const quick = argv.has("--quick");
const listArg = (name: string) => [...argv].find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1]?.split(",");
const profile = argv.has("--profile") ? "byId" : listArg("profile")?.[0];
const phases = listArg("only");
const scenarios = listArg("scenarios");
const wants = (phase: string) => !phases || phases.includes(phase);
const does = (scenario: string) => !scenarios || scenarios.includes(scenario);
const PRODUCTS = quick ? 200 : 10_000;
const CUSTOMERS = 50;
const POOL_MAX = 5; // bazaar's default DATABASE_POOL_MAX, per module
/** Idle statements are per module: every module runs its relay and its background work. */
const MODULES = moduleNames().length;
const CACHE_ON = { CACHE_TTL_S: "30" };

const pinning = pinServices();
process.once("exit", () => pinning.restore());
const workDir = mkdtempSync(path.join(tmpdir(), "bazaar-bench-"));
const logDir = path.join(workDir, "logs");
mkdirSync(logDir);
const settings: Settings = { connections: 50, warmupS: quick ? 0 : 3, durationS: quick ? 1 : 10, loadCpus: pinning.loadCpus, workDir };
const start = { cpus: pinning.serverCpus, logDir };
const idsFile = path.join(workDir, "product-ids.txt");

const byId = (server: Server) => measureLoad(server, { kind: "byId", idsFile }, settings);
const search = (server: Server) => measureLoad(server, { kind: "search", words: SEARCH_WORDS }, settings);
const checkout = (server: Server, tokens: string[]) => measureCheckout(server, tokens, settings, (units) => stockedProduct(server.baseUrl, units));
const idle = (server: Server, url: string) => (quick || !does("idle") ? Promise.resolve(undefined) : measureIdle(server, url, MODULES));

async function withServer<T>(started: Promise<Server>, work: (server: Server) => Promise<T>): Promise<T> {
  const server = await started;
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

async function measureSplit(): Promise<void> {
  if (wants("baseline") && does("byId")) {
    log("baseline again, for the split's ratio");
    await withServer(startBaseline(db.url, POOL_MAX, start), async (server) => reads.push({ scenario: "product by id", measured: await byId(server), kind: "baseline-again" }));
  }
  log("bazaar split over NATS");
  // One data dir for every process of the deployment: they share its development secrets.
  const split = { databaseUrl: db.url, natsUrl: NATS_URL, namespace: `bench-${randomBytes(4).toString("hex")}`, dataDir: path.join(workDir, "split") };
  await withServer(bazaar("bazaar, split over NATS", "split", split), async (server) => {
    const tokens = await customerTokens(server.baseUrl, CUSTOMERS);
    const quiet = await idle(server, db.url);
    if (quiet) idles.push(quiet);
    if (does("byId")) reads.push({ scenario: "product by id", measured: await byId(server), kind: "bazaar-split" });
    if (does("checkout")) splitCheckout = await checkout(server, tokens);
    if (!does("byId")) return;
    // A second gateway with the cache on, to see how long it serves a product after a change made through the first.
    await withServer(bazaar("bazaar, split, second gateway, cache on", "gateway", { ...split, env: CACHE_ON }), async (reader) => {
      const ids = readFileSync(idsFile, "utf8").split("\n").filter(Boolean);
      invalidation = await measureInvalidation(server, reader, ids, quick ? 10 : 100);
    });
  });
}

async function measureEmbedded(): Promise<void> {
  log("bazaar, one process on the embedded database: start-up, seeding, reads and checkout");
  const dataDir = path.join(workDir, "embedded");
  const cold = await bazaar("bazaar, one process, embedded", "one-process", { dataDir });
  await cold.stop();
  await withServer(bazaar("bazaar, one process, embedded", "one-process", { dataDir }), async (server) => {
    startup = { cold: cold.readyMs, warm: server.readyMs };
    if (!does("byId") && !does("checkout")) return;
    writeFileSync(idsFile, (await seedProducts(server.baseUrl, PRODUCTS)).join("\n"));
    const tokens = await customerTokens(server.baseUrl, CUSTOMERS);
    if (does("byId")) reads.push({ scenario: "product by id", measured: await byId(server), kind: "bazaar-embedded" });
    if (does("checkout")) embeddedCheckout = await checkout(server, tokens);
  });
}

async function prime(server: Server, ids: string[]): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < ids.length) await fetch(`${server.baseUrl}/v1/products/${ids[next++]}`).then((response) => response.arrayBuffer());
  }));
}

/** An OTLP endpoint that takes every span and keeps none: what tracing costs bazaar, not a collector. */
async function otlpSink(): Promise<{ url: string; server: HttpServer }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function bazaar(name: string, topology: BazaarOptions["topology"], extra: Partial<BazaarOptions> = {}): Promise<Server> {
  return startBazaar({ ...start, name, topology, dataDir: path.join(workDir, name.replaceAll(/\W+/g, "-")), ...extra });
}

const reads: { scenario: ReadRow["scenario"]; measured: Measured; kind: string }[] = [];
let pgCheckout: CheckoutMeasured | undefined;
let splitCheckout: CheckoutMeasured | undefined;
let embeddedCheckout: CheckoutMeasured | undefined;
const idles: IdleMeasured[] = [];
let startup: Report["startup"];
let invalidation: Report["invalidation"];
let profileSummary: string[] = [];
const began = Date.now();
const db = await createTestDatabase("bench");
settings.databaseUrl = db.url;
const log = (message: string) => console.error(`[bench ${((Date.now() - began) / 1000).toFixed(0).padStart(3)} s] ${message}`);

try {
  const onPostgres = { databaseUrl: db.url };

  log("seeding, through bazaar's API");
  let tokens: string[] = [];
  await withServer(bazaar("bazaar, one process, PostgreSQL", "one-process", onPostgres), async (server) => {
    writeFileSync(idsFile, (await seedProducts(server.baseUrl, PRODUCTS)).join("\n"));
    tokens = await customerTokens(server.baseUrl, CUSTOMERS);
  });
  // As a shop's database would be by the time it is read: statistics gathered, indexes tidied,
  // and no autovacuum left to run on the servers' core in the middle of a measurement.
  await db.query("vacuum analyze");

  // Each comparison runs back to back with what it is compared with: this machine's speed drifts
  // by 10-20 % over minutes, and a ratio of figures taken far apart would carry that drift.
  if (wants("baseline")) {
    log("baseline");
    await withServer(startBaseline(db.url, POOL_MAX, start), async (server) => {
      if (does("byId")) reads.push({ scenario: "product by id", measured: await byId(server), kind: "baseline" });
      if (does("search")) reads.push({ scenario: "search page", measured: await search(server), kind: "baseline" });
    });
  }
  if (wants("pg")) {
    log("bazaar, one process on PostgreSQL: reads, idle, checkout");
    await withServer(bazaar("bazaar, one process, PostgreSQL", "one-process", onPostgres), async (server) => {
      if (does("byId")) reads.push({ scenario: "product by id", measured: await byId(server), kind: "bazaar-pg" });
      if (does("search")) reads.push({ scenario: "search page", measured: await search(server), kind: "bazaar-pg" });
      const quiet = await idle(server, db.url);
      if (quiet) idles.push(quiet);
      if (does("checkout")) pgCheckout = await checkout(server, tokens);
    });
  }

  if (wants("ceiling") && does("byId")) {
    log("HTTP ceiling");
    await withServer(startCeiling(start), async (server) => reads.push({ scenario: "product by id", measured: await byId(server), kind: "ceiling" }));
  }
  if (wants("cache") && does("byId")) {
    log("bazaar, one process, cache on");
    await withServer(bazaar("bazaar, one process, PostgreSQL, cache on", "one-process", { ...onPostgres, env: CACHE_ON }), async (server) => {
      // Measured warm, as a shop's cache is after its catalog has been read for a while: every product once.
      await prime(server, readFileSync(idsFile, "utf8").split("\n").filter(Boolean));
      reads.push({ scenario: "product by id", measured: await byId(server), kind: "bazaar-cache" });
    });
  }

  if (wants("otel") && does("byId")) {
    log("bazaar, one process, OpenTelemetry on");
    const sink = await otlpSink();
    try {
      await withServer(bazaar("bazaar, one process, PostgreSQL, OpenTelemetry on", "one-process", { ...onPostgres, env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } }), async (server) => {
        reads.push({ scenario: "product by id", measured: await byId(server), kind: "bazaar-otel" });
      });
    } finally {
      sink.server.close();
    }
  }
  if (wants("split")) await measureSplit();
  if (wants("embedded")) await measureEmbedded();
  if (profile) {
    log(`profiling bazaar, one process on PostgreSQL, under the ${profile} scenario`);
    const profileDir = path.join(import.meta.dirname, "results", "profiles");
    mkdirSync(profileDir, { recursive: true });
    const before = new Set(readdirSync(profileDir));
    writeFileSync(idsFile, (await new pg.Pool({ connectionString: db.url }).query<{ id: string }>("select id from catalog.products where sku like 'B-%'")).rows.map((row) => row.id).join("\n"));
    // The data dir of the measured server: its development secrets signed the customers' tokens.
    const profiled = bazaar("bazaar, one process, PostgreSQL", "one-process", { ...onPostgres, nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] });
    await withServer(profiled, (server) => (profile === "checkout" ? checkout(server, tokens) : byId(server)));
    const written = readdirSync(profileDir).filter((file) => !before.has(file));
    profileSummary = written.flatMap((file) => [`CPU profile: bench/results/profiles/${file}`, ...summarizeProfile(path.join(profileDir, file))]);
    for (const line of profileSummary) console.log(line);
  }
} catch (error) {
  console.error(`bench failed; server logs are in ${logDir}`);
  throw error;
} finally {
  await db.drop().catch(() => undefined);
  pinning.restore();
}

const finalRss = pgCheckout?.rssMb[0] ?? reads.findLast((row) => row.kind === "bazaar-pg")?.measured.rssMb[0];
const rowOf = (kind: string, scenario: ReadRow["scenario"]) => reads.find((row) => row.kind === kind && row.scenario === scenario)?.measured;
const rps = (kind: string, scenario: ReadRow["scenario"]) => rowOf(kind, scenario)?.result.rps ?? Number.NaN;
/** The split is compared with the baseline measured right before it. */
const baselineFor = (kind: string) => (kind === "bazaar-split" || kind === "baseline-again" ? "baseline-again" : "baseline");
const readRows: ReadRow[] = reads.map(({ scenario, measured, kind }) => ({ ...measured, scenario, ratio: measured.result.rps / rps(baselineFor(kind), scenario) }));
const ratio = (kind: string, scenario: ReadRow["scenario"]) => rps(kind, scenario) / rps(baselineFor(kind), scenario);
const fmt = (value: number | undefined, digits = 2) => (value === undefined || Number.isNaN(value) ? "n/a" : value.toFixed(digits));
const byIdPg = rowOf("bazaar-pg", "product by id");
const clean = (row: CheckoutMeasured | undefined) => row !== undefined && row.result.errors === 0 && row.unpaid === 0 && row.invariant.ok;
const targets: Target[] = [
  { what: "product by id, one process on PostgreSQL, cache off", goal: "≥ 0.9× baseline, p99 ≤ 20 ms", measured: `${fmt(ratio("bazaar-pg", "product by id"))}×, p99 ${fmt(byIdPg?.result.p99, 1)} ms`, met: ratio("bazaar-pg", "product by id") >= 0.9 && (byIdPg?.result.p99 ?? Infinity) <= 20 },
  { what: "product by id, split over NATS", goal: "≥ 0.6× baseline", measured: `${fmt(ratio("bazaar-split", "product by id"))}×`, met: ratio("bazaar-split", "product by id") >= 0.6 },
  { what: "product by id, one process, cache on", goal: "≥ 0.5× HTTP ceiling", measured: `${fmt(rps("bazaar-cache", "product by id") / rps("ceiling", "product by id"))}× ceiling`, met: rps("bazaar-cache", "product by id") / rps("ceiling", "product by id") >= 0.5 },
  { what: "search page, one process", goal: "≥ 0.8× its baseline", measured: `${fmt(ratio("bazaar-pg", "search page"))}×`, met: ratio("bazaar-pg", "search page") >= 0.8 },
  { what: "checkout, one process on PostgreSQL", goal: "≥ 500 orders/s, 201→paid p99 ≤ 100 ms", measured: `${fmt(pgCheckout?.ordersPerS, 0)} orders/s, p99 ${fmt(pgCheckout?.paidP99, 0)} ms`, met: clean(pgCheckout) && (pgCheckout?.ordersPerS ?? 0) >= 500 && (pgCheckout?.paidP99 ?? Infinity) <= 100 },
  { what: "checkout, embedded database", goal: "≥ 150 orders/s", measured: `${fmt(embeddedCheckout?.ordersPerS, 0)} orders/s`, met: clean(embeddedCheckout) && (embeddedCheckout?.ordersPerS ?? 0) >= 150 },
  { what: "checkout, split over NATS", goal: "≥ 250 orders/s", measured: `${fmt(splitCheckout?.ordersPerS, 0)} orders/s`, met: clean(splitCheckout) && (splitCheckout?.ordersPerS ?? 0) >= 250 },
  ...idles.map((row) => ({ what: `idle, ${row.server}`, goal: "≤ 1 statement/s per module", measured: `${fmt(row.statementsPerS / row.modules)} per module`, met: row.statementsPerS / row.modules <= 1 })),
  { what: "memory, one process on PostgreSQL, after the run", goal: "RSS ≤ 250 MB", measured: `${fmt(finalRss, 0)} MB`, met: (finalRss ?? Infinity) <= 250 },
  { what: "start-up, embedded database", goal: "cold < 3 s, warm < 1 s", measured: `cold ${fmt(startup?.cold, 0)} ms, warm ${fmt(startup?.warm, 0)} ms`, met: startup !== undefined && startup.cold < 3000 && startup.warm < 1000 },
];

const date = new Date().toISOString().slice(0, 10);
const git = (args: string[]) => { try { return execFileSync("git", args, { encoding: "utf8" }).trim(); } catch { return "?"; } };
const dirty = git(["status", "--porcelain", "--untracked-files=no"]) ? " (with uncommitted changes)" : "";
const report: Report = {
  date,
  header: [
    `bazaar ${git(["rev-parse", "--short", "HEAD"])}${dirty}; Node ${process.version}; ${versionOf("psql", ["--version"])}; ${versionOf("nats-server", ["--version"])}; autocannon ${JSON.parse(readFileSync(path.join(import.meta.dirname, "../node_modules/autocannon/package.json"), "utf8")).version}`,
    `machine: ${machine()}`,
    `pinning: ${pinning.notes.join("; ")}`,
    `load: ${settings.connections} connections, ${settings.warmupS} s warm-up then ${settings.durationS} s measured, per scenario; ${PRODUCTS.toLocaleString("en-US")} products; ${CUSTOMERS} customers for checkout; pool ${POOL_MAX} connections per module (and for the baseline)`,
    `bazaar runs with its defaults (LOG_LEVEL=info, rate limit on but out of reach) but for VALIDATE_RESULTS=0, as in production; "cache on" sets CACHE_TTL_S=30; "OpenTelemetry on" sends every span over OTLP to an endpoint in the bench process that discards them`,
    `took ${((Date.now() - began) / 1000).toFixed(0)} s`,
    ...profileSummary,
  ],
  reads: readRows,
  checkouts: [pgCheckout, splitCheckout, embeddedCheckout].filter((row) => row !== undefined),
  idle: idles,
  startup,
  invalidation,
  targets,
};
const text = markdown(report);
console.log(text);
if (!quick) {
  const dir = path.join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${date}.md`), text);
  writeFileSync(path.join(dir, `${date}.svg`), svg(report));
  console.error(`wrote bench/results/${date}.md and .svg`);
}
const failed = [...reads.map((row) => row.measured), ...report.checkouts].some((row) => row.result.errors > 0);
if (failed) console.error(`some requests failed; the servers' logs are kept in ${logDir}`);
else rmSync(workDir, { recursive: true, force: true });
