/**
 * One MikroORM per module, on the module's own PostgreSQL schema with its own migrations table.
 * Real PostgreSQL when a URL is configured; otherwise all modules of the process share one embedded
 * PGlite cluster (one instance: each extra instance would cost ~0.4 GB and seconds of start-up).
 */
import { EntitySchema, type Options } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM, type SqlEntityManager } from "@mikro-orm/sql";
import type { MigrationObject } from "@mikro-orm/core";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";

export type Entity = NonNullable<Options["entities"]>[number];
export type { MigrationObject };
export type ModuleOrm = MikroORM;
export type ModuleEntityManager = SqlEntityManager;

/** What a module brings to the database: its schema name, tables and migrations. */
export interface ModuleData {
  name: string;
  entities: Entity[];
  migrations: MigrationObject[];
}

export type DatabaseTarget = { kind: "postgres"; url: string; poolMax: number } | { kind: "embedded"; pglite: PGlite };

/** Opens the module's ORM, refuses foreign entities, and applies its pending migrations. */
export async function openModuleDatabase(module: ModuleData, target: DatabaseTarget): Promise<ModuleOrm> {
  const common = {
    contextName: module.name,
    schema: module.name,
    entities: module.entities,
    allowGlobalContext: false,
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      migrationsList: module.migrations,
      schema: module.name,
      tableName: "mikro_orm_migrations",
      silent: true,
      snapshot: false,
    },
  } satisfies Partial<Options>;
  // Each driver is loaded only where it is used: a process on PostgreSQL never loads PGlite's.
  const orm =
    target.kind === "postgres"
      ? await MikroORM.init({ ...common, driver: (await import("@mikro-orm/postgresql")).PostgreSqlDriver, clientUrl: target.url, pool: { min: 0, max: target.poolMax } })
      : await MikroORM.init({ ...common, driver: (await import("@mikro-orm/pglite")).PgliteDriver, dbName: module.name, driverOptions: { pglite: target.pglite } });
  try {
    assertOwnEntitiesOnly(orm, module);
    await migrate(orm, module.name, target.kind === "postgres" ? target.url : undefined);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm as ModuleOrm;
}

function entityName(entity: Entity): string {
  if (entity instanceof EntitySchema) return entity.meta.className;
  if (typeof entity === "function") return entity.name;
  return String(entity);
}

/**
 * MikroORM silently discovers the target of any relation; a relation to another module's entity
 * would put that module's table into this ORM. Refuse to start rather than cross the boundary.
 */
export function assertOwnEntitiesOnly(orm: MikroORM, module: ModuleData): void {
  const own = new Set(module.entities.map(entityName));
  const foreign = [...orm.getMetadata().getAll().values()]
    .filter((meta) => !meta.embeddable && !meta.virtual && !own.has(meta.className))
    .map((meta) => meta.className);
  if (foreign.length > 0) {
    throw new Error(`module ${module.name} reaches entities it does not own: ${foreign.join(", ")}`);
  }
}

/**
 * Applies pending migrations. On PostgreSQL under an advisory lock held on a connection of its own,
 * so several processes of one module starting at once migrate exactly once. The embedded database
 * belongs to one process (it holds a lock file), so it needs no lock.
 */
async function migrate(orm: MikroORM, schema: string, lockUrl: string | undefined): Promise<void> {
  const lock = lockUrl ? new pg.Client({ connectionString: lockUrl }) : undefined;
  // A dropped lock connection fails the migration below instead of crashing the process.
  lock?.on("error", () => undefined);
  const key = `bazaar:migrate:${schema}`;
  try {
    if (lock) {
      await lock.connect();
      await lock.query("select pg_advisory_lock(hashtext($1))", [key]);
    }
    const connection = orm.em.fork().getConnection();
    // Checked first: a module role may own its schema without the right to create schemas at all.
    const exists = await connection.execute<{ found: number }[]>("select 1 as found from pg_namespace where nspname = ?", [schema]);
    if (exists.length === 0) await connection.execute(`create schema "${schema}"`);
    await orm.migrator.up();
  } finally {
    if (lock) {
      await lock.query("select pg_advisory_unlock(hashtext($1))", [key]).catch(() => undefined);
      await lock.end().catch(() => undefined);
    }
  }
}
