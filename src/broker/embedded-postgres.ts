/**
 * The embedded PostgreSQL (PGlite) that lets `npm start` run with no database server. Nothing in
 * PGlite stops two processes opening one data dir and losing writes, so a lock file holds it.
 */
import { mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";

export interface EmbeddedPostgres {
  pglite: PGlite;
  close(): Promise<void>;
}

export async function openEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  await mkdir(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, "pglite.lock");
  await acquireLock(lockFile);
  try {
    const pglite = await PGlite.create({ dataDir: path.join(dataDir, "pglite") });
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

async function acquireLock(lockFile: string): Promise<void> {
  try {
    const handle = await open(lockFile, "wx");
    await handle.writeFile(String(process.pid));
    await handle.close();
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const holder = Number((await readFile(lockFile, "utf8").catch(() => "")).trim());
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `the embedded database in ${path.dirname(lockFile)} is in use by process ${holder}; ` +
        "stop it, or set DATABASE_URL to share a PostgreSQL server between processes",
    );
  }
  // The holder died without cleaning up: the lock is stale.
  await rm(lockFile, { force: true });
  await acquireLock(lockFile);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
