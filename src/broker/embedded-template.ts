/**
 * A new embedded cluster costs PGlite's initdb (seconds of WebAssembly) and then every module's
 * migrations (a second more), on every first start and in every test that starts from a fresh data
 * dir. All new clusters are alike, so `npm install` makes them once (scripts/prepare-embedded.ts): a
 * fresh cluster, and a copy of it with the modules' migrations applied, named by a key that changes
 * when any migration does. A new data dir starts as a copy of the migrated template if its key
 * matches the modules the process runs, else of the fresh one (whatever is pending then migrates as
 * usual), else with initdb (installed with --ignore-scripts, or another PGlite version since).
 * Templates are plain directories: unpacking an archive through PGlite's file system cost a second.
 */
import { createHash } from "node:crypto";
import { cpSync, readFileSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { Migration } from "@mikro-orm/migrations";
import { openModuleDatabase, type ModuleData } from "./database.ts";

const root = path.resolve(import.meta.dirname, "../..");
const cacheDir = path.join(root, "node_modules/.cache/bazaar");

function pgliteVersion(): string {
  return (JSON.parse(readFileSync(path.join(root, "node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string }).version;
}

/**
 * Names the migrated template of these modules: their names and every migration's name and SQL
 * (the SQL, not the code, so that however the code was compiled the key is the same).
 */
export async function migrationsKey(modules: ModuleData[]): Promise<string> {
  const hash = createHash("sha256");
  for (const module of modules) {
    hash.update(`${module.name}\n`);
    for (const { name, class: MigrationClass } of module.migrations) hash.update(`${name}\n${await sqlOf(MigrationClass)}\n`);
  }
  return hash.digest("hex").slice(0, 16);
}

/** What a migration's `up()` asks for; one that needs a database to say it is keyed by its code. */
async function sqlOf(MigrationClass: ModuleData["migrations"][number]["class"]): Promise<string> {
  const migration = new (MigrationClass as unknown as new (...args: unknown[]) => Migration)(undefined, undefined);
  try {
    await migration.up();
    return migration.getQueries().join(";\n");
  } catch {
    return String(MigrationClass);
  }
}

/** Where a template of the installed PGlite version lives: the fresh one, or one migrated for a key. */
export function templateDir(key?: string): string {
  return path.join(cacheDir, `pglite-${pgliteVersion()}${key ? `-${key}` : ""}`);
}

/**
 * Makes `clusterDir` a copy of the best template there is for `key`; false if there is none.
 * Copied aside and renamed, so a start interrupted mid-copy leaves no half cluster behind; copied
 * synchronously, because nothing else can run before the database is open and the asynchronous
 * copy of its thousand small files took longer (0.75 s against 0.45 s, measured at start-up).
 */
export async function copyTemplate(clusterDir: string, key: string): Promise<boolean> {
  for (const template of [templateDir(key), templateDir()]) {
    if (!(await stat(template).then((found) => found.isDirectory(), () => false))) continue;
    const aside = `${clusterDir}.${process.pid}.tmp`;
    await rm(aside, { recursive: true, force: true });
    cpSync(template, aside, { recursive: true });
    await rename(aside, clusterDir);
    return true;
  }
  return false;
}

/** Makes the fresh template. */
export function writeTemplate(): Promise<string> {
  return makeTemplate(undefined, async () => undefined);
}

/** Makes the template migrated for these modules, from a copy of the fresh one, and drops those of other keys. */
export async function writeMigratedTemplate(modules: ModuleData[]): Promise<string> {
  const dir = await makeTemplate(await migrationsKey(modules), async (pglite) => {
    for (const module of modules) await (await openModuleDatabase(module, { kind: "embedded", pglite })).close();
  });
  const prefix = `${path.basename(templateDir())}-`;
  for (const entry of await readdir(cacheDir)) {
    if (entry.startsWith(prefix) && entry !== path.basename(dir)) await rm(path.join(cacheDir, entry), { recursive: true, force: true });
  }
  return dir;
}

/** Made aside and renamed, so no reader sees half of a template. */
async function makeTemplate(key: string | undefined, prepare: (pglite: PGlite) => Promise<void>): Promise<string> {
  const { PGlite } = await import("@electric-sql/pglite");
  const dir = templateDir(key);
  const aside = `${dir}.${process.pid}.tmp`;
  await mkdir(cacheDir, { recursive: true });
  await rm(aside, { recursive: true, force: true });
  if (key) cpSync(templateDir(), aside, { recursive: true });
  const cluster: PGlite = await PGlite.create({ dataDir: aside });
  try {
    await prepare(cluster);
  } finally {
    await cluster.close();
  }
  await rm(dir, { recursive: true, force: true });
  await rename(aside, dir);
  return dir;
}
