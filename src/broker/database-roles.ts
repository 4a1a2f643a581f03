/**
 * Least privilege on a shared PostgreSQL: each module connects as its own role (`bazaar_<module>`),
 * which owns its schema and nothing else, so a module cannot read another module's tables even by
 * mistake. Provisioning is idempotent and runs with the administrative DATABASE_URL, at start-up or
 * ahead of time with `npm run migrate`.
 */
import pg from "pg";

/**
 * One lock for every module's provisioning: modules starting together all grant on the same
 * database row, and concurrent grants fail with "tuple concurrently updated".
 */
const PROVISION_LOCK = "bazaar:provision";

export const roleOf = (module: string) => `bazaar_${module}`;

/** The module's connection URL: the admin URL with the module's role as its user. */
export function moduleUrl(adminUrl: string, module: string, password?: string): string {
  const url = new URL(adminUrl);
  url.username = roleOf(module);
  url.password = password ?? "";
  return url.toString();
}

// Another process provisioning at the same moment: the object exists, which is what we wanted.
const ALREADY_THERE = new Set(["42710", "23505", "XX000", "42P06"]);

async function idempotent(client: pg.Client, sql: string): Promise<void> {
  try {
    await client.query(sql);
  } catch (error) {
    if (!ALREADY_THERE.has((error as { code?: string }).code ?? "")) throw error;
  }
}

export async function provisionModuleRole(adminUrl: string, module: string, password?: string): Promise<void> {
  const role = roleOf(module);
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("select pg_advisory_lock(hashtext($1))", [PROVISION_LOCK]);
    const { rowCount } = await client.query("select 1 from pg_roles where rolname = $1", [role]);
    if (rowCount === 0) await idempotent(client, `create role "${role}" login`);
    if (password !== undefined) await client.query(`alter role "${role}" password ${client.escapeLiteral(password)}`);
    const database = (await client.query<{ db: string }>("select current_database() as db")).rows[0]?.db as string;
    await client.query(`grant connect on database "${database}" to "${role}"`);
    await idempotent(client, `create schema if not exists "${module}" authorization "${role}"`);
    await client.query(`alter schema "${module}" owner to "${role}"`);
    // Tables made before roles were in use (or by an administrator) move to the module's role.
    const owned = await client.query<{ kind: string; name: string }>(
      `select case c.relkind when 'S' then 'sequence' when 'v' then 'view' else 'table' end as kind, c.relname as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relkind in ('r', 'p', 'S', 'v') and pg_get_userbyid(c.relowner) <> $2`,
      [module, role],
    );
    for (const { kind, name } of owned.rows) await client.query(`alter ${kind} "${module}"."${name}" owner to "${role}"`);
  } finally {
    await client.query("select pg_advisory_unlock(hashtext($1))", [PROVISION_LOCK]).catch(() => undefined);
    await client.end();
  }
}
