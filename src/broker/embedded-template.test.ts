/**
 * A new data dir starts from the template migrated for exactly the modules the process runs, and
 * from the fresh one otherwise. The templates are the ones `npm install` made; the migrated one is
 * made again here if a migration changed since.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Migration } from "@mikro-orm/migrations";
import { existsSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../registry.ts";
import { openEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.ts";
import { migrationsKey, templateDir, writeMigratedTemplate } from "./embedded-template.ts";
import { moduleData } from "./module.ts";

const modules = registry.map((module) => moduleData(module).data);
let open: EmbeddedPostgres | undefined;
let dir: string | undefined;

afterEach(async () => {
  await open?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  open = dir = undefined;
});

async function schemasOfNewCluster(forModules: typeof modules): Promise<string[]> {
  dir = await mkdtemp(path.join(os.tmpdir(), "bazaar-template-"));
  open = await openEmbeddedPostgres(dir, forModules);
  const { rows } = await open.pglite.query<{ nspname: string }>("select nspname from pg_namespace where nspname = any($1) order by 1", [modules.map((module) => module.name)]);
  return rows.map((row) => row.nspname);
}

beforeAll(async () => {
  if (!existsSync(templateDir(await migrationsKey(modules)))) await writeMigratedTemplate(modules);
}, 30_000);

describe("embedded database templates", () => {
  it("key the migrated template by module and by every migration's SQL", async () => {
    const key = await migrationsKey(modules);
    expect(await migrationsKey(modules)).toBe(key);
    expect(await migrationsKey(modules.slice(1))).not.toBe(key);
    const [first, ...rest] = modules;
    class Edited extends Migration {
      override up(): void {
        this.addSql("create table edited (id int)");
      }
    }
    const edited = { ...first, migrations: first.migrations.map((migration, i) => (i === 0 ? { ...migration, class: Edited } : migration)) };
    expect(await migrationsKey([edited, ...rest])).not.toBe(key);
  });

  it("start a data dir for every module already migrated", async () => {
    expect(await schemasOfNewCluster(modules)).toEqual(modules.map((module) => module.name).sort());
  });

  it("open the cluster with a laptop's share of memory, not PostgreSQL's server default", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "bazaar-template-"));
    open = await openEmbeddedPostgres(dir, modules);
    expect((await open.pglite.query("show shared_buffers")).rows).toEqual([{ shared_buffers: "32MB" }]);
  });

  it("make a new data dir readable by its owner only", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "bazaar-template-"));
    open = await openEmbeddedPostgres(path.join(dir, "data"), modules);
    expect((await stat(path.join(dir, "data"))).mode & 0o777).toBe(0o700);
  });

  it("start a data dir for other modules from the fresh cluster", async () => {
    expect(await schemasOfNewCluster(modules.slice(0, 2))).toEqual([]);
  });
});
