/**
 * Rule 5 at the ORM level: a module's ORM holds its own entities and nothing else. MikroORM would
 * silently pull in the target of a relation to another module's entity; the guard must refuse it.
 */
import { PGlite } from "@electric-sql/pglite";
import { defineEntity, p } from "@mikro-orm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openModuleDatabase, type Entity } from "../../src/broker/database.ts";
import { moduleData } from "../../src/broker/module.ts";
import { registry } from "../../src/registry.ts";
import { ProductEntity } from "../../src/modules/catalog/entities/product.entity.ts";

const modules = registry;
let pglite: PGlite;

beforeAll(async () => {
  pglite = await PGlite.create();
});
afterAll(() => pglite?.close());

const classNames = (entities: Entity[]) => entities.map((entity) => (entity as { meta: { className: string } }).meta.className).sort();

describe("module data ownership", () => {
  it.each(modules.map((module) => [module.contract.name, module] as const))("the %s ORM holds only its own entities", async (name, module) => {
    const { data } = moduleData(module);
    const orm = await openModuleDatabase(data, { kind: "embedded", pglite });
    try {
      const held = [...orm.getMetadata().getAll().values()].map((meta) => meta.className).sort();
      expect(held).toEqual(classNames(data.entities));
      expect(held).toEqual(expect.arrayContaining(["OutboxEvent", "InboxEvent"]));
      // Its migrations ran in its own schema and put nothing anywhere else.
      const tables = await orm.em.fork().getConnection().execute<{ table_schema: string }[]>(
        "select distinct table_schema from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')",
      );
      expect(tables.map((row) => row.table_schema)).not.toContain("public");
      expect(tables.map((row) => row.table_schema)).toContain(name);
    } finally {
      await orm.close();
    }
  });

  it("refuses a module whose entity relates to another module's entity", async () => {
    const Review = defineEntity({
      name: "Review",
      properties: { id: p.uuid().primary(), product: () => p.manyToOne(ProductEntity) },
    });
    const attempt = openModuleDatabase({ name: "reviews", entities: [Review], migrations: [] }, { kind: "embedded", pglite });
    await expect(attempt).rejects.toThrow("module reviews reaches entities it does not own: Product");
  });
});
