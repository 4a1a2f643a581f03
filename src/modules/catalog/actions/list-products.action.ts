import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { DEFAULT_LIMIT, UUID_PATTERN } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { decodeCursor, toPage } from "../../../broker/pagination.ts";
import type { Catalog } from "../contract.ts";
import { ProductEntity } from "../entities/product.entity.ts";
import { toProduct } from "./product.view.ts";

type ProductPage = ResultOf<typeof Catalog.actions.listProducts>;

const UUID = new RegExp(UUID_PATTERN);
/** Only what `toPage` below writes: an ISO timestamp of ours (so within PostgreSQL's range) and a lower-case uuid. */
const isCursorPart = (part: string, index: number) => (index === 0 ? isOwnTimestamp(part) : UUID.test(part));
const isOwnTimestamp = (part: string) => /^2\d{3}-/.test(part) && !Number.isNaN(Date.parse(part)) && new Date(part).toISOString() === part;

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
  if (params.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(params.cursor, 2, isCursorPart) as [string, string];
    const after = new Date(createdAt);
    qb.andWhere({ $or: [{ createdAt: { $lt: after } }, { createdAt: after, id: { $lt: id } }] });
  }
  const rows = await qb.getResultList();
  return toPage(rows, limit, toProduct, (row) => [row.createdAt.toISOString(), row.id]);
}
