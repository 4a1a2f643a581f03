import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { DEFAULT_LIMIT } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { newestFirstKey, olderThan, toPage } from "../../../broker/pagination.ts";
import type { Catalog } from "../contract.ts";
import { ProductEntity } from "../entities/product.entity.ts";
import { toProduct } from "./product.view.ts";

type ProductPage = ResultOf<typeof Catalog.actions.listProducts>;


/**
 * Every word must match and the last may be a prefix ("choc" finds "Chocolate"). PostgreSQL's own
 * parser splits the words, exactly as it split the indexed text (hyphens, dots, digits and all), and
 * the text only ever reaches it as a bound parameter of plainto_tsquery; the last lexeme then gets
 * its prefix mark. The cast (not to_tsquery) keeps the lexemes as they are: to_tsquery would parse
 * them again and split "637e40fe" like a number.
 */
const PREFIX_QUERY = "(regexp_replace(plainto_tsquery('simple', ?)::text, '''$', ''':*'))::tsquery";

/** Active products, newest first; keyset pagination on (created_at, id) keeps pages stable. */
export async function listProducts(params: ParamsOf<typeof Catalog.actions.listProducts>, ctx: ActionContext): Promise<ProductPage> {
  const limit = params.limit ?? DEFAULT_LIMIT;
  const qb = ctx.em
    .createQueryBuilder(ProductEntity, "p")
    .where({ active: true })
    .orderBy({ createdAt: "desc", id: "desc" })
    .limit(limit + 1);
  if (params.category !== undefined) qb.andWhere({ category: params.category });
  if (params.q !== undefined) qb.andWhere(`p.search @@ ${PREFIX_QUERY}`, [params.q]);
  if (params.cursor !== undefined) qb.andWhere(olderThan(params.cursor));
  const rows = await qb.getResultList();
  return toPage(rows, limit, toProduct, newestFirstKey);
}
