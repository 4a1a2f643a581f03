import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { DEFAULT_LIMIT } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { decodeCursor, toPage } from "../../../broker/pagination.ts";
import { Catalog, type Product } from "../contract.ts";
import { toTsQuery } from "../domain/search-query.ts";
import { ProductEntity } from "../entities/product.entity.ts";
import { toProduct } from "./product-view.ts";

type ProductPage = ResultOf<typeof Catalog.actions.listProducts>;

export async function getProduct(params: ParamsOf<typeof Catalog.actions.getProduct>, ctx: ActionContext): Promise<Product> {
  const entity = await ctx.em.findOne(ProductEntity, { id: params.id });
  if (!entity) throw notFound("No product has this id.");
  return toProduct(entity);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isCursorPart = (part: string, index: number) => (index === 0 ? !Number.isNaN(Date.parse(part)) : UUID.test(part));

/** Active products, newest first; keyset pagination on (created_at, id) keeps pages stable. */
export async function listProducts(params: ParamsOf<typeof Catalog.actions.listProducts>, ctx: ActionContext): Promise<ProductPage> {
  const limit = params.limit ?? DEFAULT_LIMIT;
  const qb = ctx.em
    .createQueryBuilder(ProductEntity, "p")
    .where({ active: true })
    .orderBy({ createdAt: "desc", id: "desc" })
    .limit(limit + 1);
  if (params.category !== undefined) qb.andWhere({ category: params.category });
  if (params.q !== undefined) {
    const tsQuery = toTsQuery(params.q);
    if (tsQuery === null) return { items: [], nextCursor: null };
    qb.andWhere("p.search @@ to_tsquery('simple', ?)", [tsQuery]);
  }
  if (params.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(params.cursor, 2, isCursorPart) as [string, string];
    const after = new Date(createdAt);
    qb.andWhere({ $or: [{ createdAt: { $lt: after } }, { createdAt: after, id: { $lt: id } }] });
  }
  const rows = await qb.getResultList();
  return toPage(rows, limit, toProduct, (row) => [row.createdAt.toISOString(), row.id]);
}
