/**
 * The embedded PostgreSQL (PGlite) that lets `npm start` run with no database server. Nothing in
 * PGlite stops two processes opening one data dir and losing writes, so a lock file holds it.
 */
import { access, link, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { ModuleData } from "./database.ts";
import { shareTypeParsers } from "./embedded-parsers.ts";
import { copyTemplate, migrationsKey } from "./embedded-template.ts";
import { yieldBeforeEachCall } from "./embedded-yield.ts";

/**
 * PostgreSQL's default 128 MB of shared buffers is allocated and zeroed in PGlite's memory on every
 * start: about 140 MB of resident memory and a fifth of opening the cluster. A shop on one laptop
 * keeps its working set in far less.
 */
const START_SETTINGS = ["-c", "shared_buffers=32MB"];

export interface EmbeddedPostgres {
  pglite: PGlite;
  close(): Promise<void>;
}

/** Opens the cluster under `dataDir`; a new one starts from the template made for `modules`, if any. */
export async function openEmbeddedPostgres(dataDir: string, modules: ModuleData[]): Promise<EmbeddedPostgres> {
  // The cluster holds every module's data: readable by its owner only.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lockFile = path.join(dataDir, "pglite.lock");
  await acquireLock(lockFile);
  try {
    const clusterDir = path.join(dataDir, "pglite");
    const isNew = await access(clusterDir).then(() => false, () => true);
    if (isNew) await copyTemplate(clusterDir, await migrationsKey(modules));
    // Loaded only where a process keeps its data in PGlite: a process on PostgreSQL never pays for it.
    const { PGlite } = await import("@electric-sql/pglite");
    const pglite = await PGlite.create({ dataDir: clusterDir, startParams: [...PGlite.defaultStartParams, ...START_SETTINGS] });
    await shareTypeParsers(pglite);
    yieldBeforeEachCall(pglite);
    return {
      pglite,
      async close() {
        await pglite.close();
        await rm(lockFile, { force: true });
      },
    };
  } catch (error) {
    await rm(lockFile, { force: true });
    throw error;
  }
}

/**
 * The lock file appears complete or not at all (written aside, then hard-linked into place), so a
 * process starting at the same moment never reads it half-written. A stale lock, left by a process
 * that died, is moved aside before it is taken over; if what was moved turns out to belong to a
 * live process after all, it is put back.
 */
async function acquireLock(lockFile: string): Promise<void> {
  const temp = `${lockFile}.${process.pid}.tmp`;
  await writeFile(temp, String(process.pid));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(temp, lockFile);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = await lockHolder(lockFile);
      if (holder !== undefined && isAlive(holder)) throw lockedBy(lockFile, holder);
      const aside = `${lockFile}.stale.${process.pid}`;
      try {
        await rename(lockFile, aside);
      } catch {
        continue; // another process moved it first
      }
      const moved = await lockHolder(aside);
      if (moved !== undefined && isAlive(moved)) {
        await rename(aside, lockFile);
        throw lockedBy(lockFile, moved);
      }
      await rm(aside, { force: true });
    }
    throw new Error(`could not take the lock ${lockFile}`);
  } finally {
    await rm(temp, { force: true });
  }
}

async function lockHolder(file: string): Promise<number | undefined> {
  const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid ? pid : undefined;
}

function lockedBy(lockFile: string, pid: number): Error {
  return new Error(
    `the embedded database in ${path.dirname(lockFile)} is in use by process ${pid}; ` +
      "stop it, or set DATABASE_URL to share a PostgreSQL server between processes",
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
