/**
 * What `npm run new:module -- <name>` writes for a new module: a contract with two actions (an
 * admin adds an item, anyone reads one), its service, entity, migration, module test and routes,
 * and its section of the API guide. Each is a working starting point, meant to be rewritten.
 */
export interface Names {
  /** The module's name: its folder, schema, contract name, NATS user and route prefix. */
  name: string;
  /** The contract's exported name. */
  Pascal: string;
}

export function moduleFiles({ name, Pascal }: Names): Record<string, string> {
  const dir = `src/modules/${name}`;
  return {
    [`${dir}/contract.ts`]: `/**
 * ${Pascal}: say here what this module is for, and what it promises its callers.
 */
import { CommonErrors, defineContract, Timestamp, Type, Uuid, type Static } from "../../broker/contract-kit.ts";

export const ${Pascal}Item = Type.Object({ id: Uuid, name: Type.String(), createdAt: Timestamp }, { title: "${Pascal}Item" });
export type ${Pascal}Item = Static<typeof ${Pascal}Item>;

export const New${Pascal}Item = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { title: "New${Pascal}Item", additionalProperties: false });
export const ${Pascal}ItemId = Type.Object({ id: Uuid }, { additionalProperties: false });

export const ${Pascal} = defineContract({
  name: "${name}",
  actions: {
    /** Adds an item. Admins only. A retry may add a second one. */
    createItem: { params: New${Pascal}Item, result: ${Pascal}Item, access: "admin", idempotent: false },
    /** One item. Anyone. Errors: \`not_found\` (404). Safe to retry. */
    getItem: { params: ${Pascal}ItemId, result: ${Pascal}Item, access: "anyone", idempotent: true, errors: [CommonErrors.notFound] },
  },
  events: {},
});
`,
    [`${dir}/index.ts`]: `export { ${name}Module as default } from "./${name}.service.ts";
`,
    [`${dir}/${name}.service.ts`]: `import { defineModule } from "../../broker/module.ts";
import { createItem, getItem } from "./actions/items.action.ts";
import { ${Pascal} } from "./contract.ts";
import { ItemEntity } from "./entities/item.entity.ts";
import { migrations } from "./migrations/index.ts";

export const ${name}Module = defineModule({
  contract: ${Pascal},
  entities: [ItemEntity],
  migrations,
  handlers: () => ({ createItem, getItem }),
});
`,
    [`${dir}/entities/item.entity.ts`]: `import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

export const ItemEntity = defineEntity({
  name: "${Pascal}Item",
  tableName: "items",
  properties: {
    id: p.uuid().primary(),
    name: p.text(),
    createdAt: p.datetime(3),
  },
});
export type ItemEntity = InferEntity<typeof ItemEntity>;
`,
    [`${dir}/migrations/0001-create-items.migration.ts`]: `import { Migration } from "@mikro-orm/migrations";

export class CreateItems extends Migration {
  override up(): void {
    this.addSql("create table items (id uuid primary key, name text not null, created_at timestamptz(3) not null)");
  }
}
`,
    [`${dir}/migrations/index.ts`]: `import type { MigrationObject } from "../../../broker/database.ts";
import { CreateItems } from "./0001-create-items.migration.ts";

/** In order; a migration, once released, is never edited. */
export const migrations: MigrationObject[] = [{ name: "0001-create-items", class: CreateItems }];
`,
    [`${dir}/actions/items.action.ts`]: `import { randomUUID } from "node:crypto";
import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { ${Pascal}, ${Pascal}Item } from "../contract.ts";
import { ItemEntity } from "../entities/item.entity.ts";

const toItem = (entity: ItemEntity): ${Pascal}Item => ({ id: entity.id, name: entity.name, createdAt: entity.createdAt.toISOString() });

export async function createItem(params: ParamsOf<typeof ${Pascal}.actions.createItem>, ctx: ActionContext): Promise<${Pascal}Item> {
  const item = ctx.em.create(ItemEntity, { id: randomUUID(), name: params.name, createdAt: new Date() });
  await ctx.em.flush();
  return toItem(item);
}

export async function getItem(params: ParamsOf<typeof ${Pascal}.actions.getItem>, ctx: ActionContext): Promise<${Pascal}Item> {
  const item = await ctx.em.findOne(ItemEntity, { id: params.id.toLowerCase() });
  if (!item) throw notFound("No such item.");
  return toItem(item);
}
`,
    [`${dir}/test/${name}.int.test.ts`]: `/** ${Pascal} on its own, on a fresh PostgreSQL database. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthUser } from "../../../broker/auth.ts";
import { failureOf, startModule, type ModuleHarness } from "../../../../test/support/module-harness.ts";
import { ${name}Module } from "../${name}.service.ts";
import { ${Pascal} } from "../contract.ts";

const { createItem, getItem } = ${Pascal}.actions;
const admin: AuthUser = { id: randomUUID(), roles: ["admin"] };
const customer: AuthUser = { id: randomUUID(), roles: ["customer"] };

let harness: ModuleHarness;
beforeAll(async () => {
  harness = await startModule(${name}Module);
});
afterAll(() => harness?.close());

describe("${name} items", () => {
  it("are added by admins and read by anyone", async () => {
    const item = await harness.call(createItem, { name: "First" }, admin);
    expect(await harness.call(getItem, { id: item.id })).toEqual(item);
  });

  it("refuse customers, bad input and unknown ids", async () => {
    expect(await failureOf(harness.call(createItem, { name: "x" }, customer))).toMatchObject({ status: 403 });
    expect(await failureOf(harness.call(createItem, { name: "" }, admin))).toMatchObject({ status: 400 });
    expect(await failureOf(harness.call(getItem, { id: randomUUID() }))).toMatchObject({ status: 404 });
  });
});
`,
    [`src/gateway/routes/${name}/index.ts`]: `import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ${Pascal}, ${Pascal}Item, ${Pascal}ItemId, New${Pascal}Item } from "../../../modules/${name}/contract.ts";
import { describedBy, invoke } from "../../invoke.ts";

const { createItem, getItem } = ${Pascal}.actions;

export const ${name}Routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/v1/${name}/items",
    { schema: { ...describedBy(createItem, "${name}", "Add an item"), body: New${Pascal}Item, response: { 201: ${Pascal}Item } } },
    async (request, reply) => {
      const item = await invoke(request, createItem, request.body);
      return reply.code(201).header("location", \`/v1/${name}/items/\${item.id}\`).send(item);
    },
  );
  app.get(
    "/v1/${name}/items/:id",
    { schema: { ...describedBy(getItem, "${name}", "One item"), params: ${Pascal}ItemId, response: { 200: ${Pascal}Item } } },
    async (request) => invoke(request, getItem, request.params, { "": "/params" }),
  );
};
`,
  };
}

/** The module's section of docs/api.md, the API guide (a test finds every operation in it). */
export function guideSection({ name, Pascal }: Names): string {
  return `
## ${Pascal}

| route | who | answer |
|---|---|---|
| \`POST /v1/${name}/items\` \`{ name }\` | admin | 201 item \`{ id, name, createdAt }\` (\`Location\`); name 1..200 |
| \`GET /v1/${name}/items/{id}\` | anyone | 200 item; 404 |
`;
}
