/**
 * Least-privilege data on PostgreSQL: each module's role owns its schema, and nothing else is open
 * to it, so the catalog's connection cannot read the orders' tables.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moduleUrl, provisionModuleRole } from "../../src/broker/database-roles.ts";
import { openModuleDatabase, type ModuleOrm } from "../../src/broker/database.ts";
import { moduleData, type ModuleDefinition } from "../../src/broker/module.ts";
import catalog from "../../src/modules/catalog/index.ts";
import orders from "../../src/modules/orders/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let db: TestDatabase;
const orms: ModuleOrm[] = [];

beforeAll(async () => {
  db = await createTestDatabase("roles");
  for (const module of [catalog, orders] as ModuleDefinition[]) {
    const name = module.contract.name;
    await provisionModuleRole(db.url, name);
    await provisionModuleRole(db.url, name); // idempotent
    orms.push(await openModuleDatabase(moduleData(module).data, { kind: "postgres", url: moduleUrl(db.url, name), poolMax: 2 }));
  }
});
afterAll(async () => {
  for (const orm of orms) await orm.close();
  await db?.drop();
});

async function as(module: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: moduleUrl(db.url, module) });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("per-module database roles", () => {
  it("own their module's schema and tables", async () => {
    const owners = await db.query<{ schema: string; owner: string }>(
      `select distinct n.nspname as schema, pg_get_userbyid(c.relowner) as owner
       from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('catalog', 'orders') and c.relkind = 'r'`,
    );
    expect(owners.sort((a, b) => a.schema.localeCompare(b.schema))).toEqual([
      { schema: "catalog", owner: "bazaar_catalog" },
      { schema: "orders", owner: "bazaar_orders" },
    ]);
    expect(await as("catalog", "select count(*)::int as n from catalog.products")).toEqual([{ n: 0 }]);
  });

  it("get the password provisioning is given, and connect with it", async () => {
    await provisionModuleRole(db.url, "catalog", "catalog-password");
    const [row] = await db.query<{ has: boolean }>("select rolpassword is not null as has from pg_authid where rolname = 'bazaar_catalog'");
    expect(row?.has).toBe(true);
    expect(new URL(moduleUrl(db.url, "catalog", "catalog-password")).password).toBe("catalog-password");
    expect(await as("catalog", "select current_user as who")).toEqual([{ who: "bazaar_catalog" }]);
  });

  it("cannot read another module's tables", async () => {
    await expect(as("catalog", "select * from orders.orders")).rejects.toMatchObject({ code: "42501" });
    await expect(as("orders", "select * from catalog.products")).rejects.toMatchObject({ code: "42501" });
    await expect(as("catalog", "create table orders.sneaky (id int)")).rejects.toMatchObject({ code: "42501" });
  });
});
