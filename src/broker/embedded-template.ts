/**
 * A new embedded cluster costs PGlite's initdb: seconds of WebAssembly on every first start and in
 * every test that starts from a fresh data dir. All new clusters are alike, so `npm install`
 * makes one (scripts/prepare-embedded.ts) and each new data dir starts as a copy of it. Without
 * it (installed with --ignore-scripts, or another PGlite version since) a data dir starts with
 * initdb, as before.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";

const root = path.resolve(import.meta.dirname, "../..");

/** Where the template of the installed PGlite version lives. */
export function templatePath(): string {
  const { version } = JSON.parse(readFileSync(path.join(root, "node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string };
  return path.join(root, "node_modules/.cache/bazaar", `pglite-${version}.tar.gz`);
}

/** The template cluster, if `npm install` made one for this PGlite version. */
export async function readTemplate(): Promise<Blob | undefined> {
  const bytes = await readFile(templatePath()).catch(() => undefined);
  return bytes ? new Blob([bytes]) : undefined;
}

/** Makes the template from a fresh cluster; written aside and renamed, so no reader sees half of it. */
export async function writeTemplate(): Promise<string> {
  const { PGlite } = await import("@electric-sql/pglite");
  const fresh: PGlite = await PGlite.create();
  try {
    const dump = Buffer.from(await (await fresh.dumpDataDir("gzip")).arrayBuffer());
    const file = templatePath();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.${process.pid}.tmp`, dump);
    await rename(`${file}.${process.pid}.tmp`, file);
    return file;
  } finally {
    await fresh.close();
  }
}
