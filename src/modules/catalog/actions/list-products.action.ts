import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { DEFAULT_LIMIT } from "../../../broker/contract-kit.ts";
import { statement } from "../../../broker/module-sql.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { newestFirstCursor, newestFirstKey, toPage } from "../../../broker/pagination.ts";
import type { Catalog, Product } from "../contract.ts";
import { PRODUCT_COLUMNS } from "./product.view.ts";

type ProductPage = ResultOf<typeof Catalog.actions.listProducts>;

/**
 * Every word must match and the last may be a prefix ("choc" finds "Chocolate"). PostgreSQL's own
 * parser splits the words, exactly as it split the indexed text (hyphens, dots, digits and all), and
 * the text only ever reaches it as a bound parameter of plainto_tsquery; the last lexeme then gets
 * its prefix mark. The cast (not to_tsquery) keeps the lexemes as they are: to_tsquery would parse
 * them again and split "637e40fe" like a number.
 */
const prefixQuery = (param: string) => `(regexp_replace(plainto_tsquery('simple', ${param})::text, '''$', ''':*'))::tsquery`;

/**
 * One prepared statement per combination of filters, so each keeps a plan of its own. The keyset
 * `(created_at, id) < (cursor)` walks the listing indexes newest first; pages never shift.
 */
function listing(filters: { active: boolean; category: boolean; q: boolean; cursor: boolean }) {
  const where = [filters.active ? "p.active" : "not p.active"];
  let n = 0;
  if (filters.category) where.push(`p.category = $${++n}`);
  if (filters.q) where.push(`p.search @@ ${prefixQuery(`$${++n}`)}`);
  if (filters.cursor) where.push(`(p.created_at, p.id) < ($${++n}::timestamptz, $${++n}::uuid)`);
  const name = `catalog_products_list${filters.active ? "" : "_inactive"}${filters.category ? "_category" : ""}${filters.q ? "_words" : ""}${filters.cursor ? "_after" : ""}`;
  return statement(name, `select ${PRODUCT_COLUMNS} from catalog.products p where ${where.join(" and ")} order by p.created_at desc, p.id desc limit $${++n}`);
}

/** Active products, newest first, filtered by words and category. */
export function listProducts(params: ParamsOf<typeof Catalog.actions.listProducts>, ctx: ActionContext): Promise<ProductPage> {
  return list(params, true, ctx);
}

/** Inactive products, likewise; for admins. */
export function listInactiveProducts(params: ParamsOf<typeof Catalog.actions.listInactiveProducts>, ctx: ActionContext): Promise<ProductPage> {
  return list(params, false, ctx);
}

async function list(params: ParamsOf<typeof Catalog.actions.listProducts>, active: boolean, ctx: ActionContext): Promise<ProductPage> {
  const limit = params.limit ?? DEFAULT_LIMIT;
  const after = params.cursor === undefined ? undefined : newestFirstCursor(params.cursor);
  const values: unknown[] = [];
  if (params.category !== undefined) values.push(params.category);
  if (params.q !== undefined) values.push(params.q);
  if (after) values.push(after.createdAt, after.id);
  values.push(limit + 1);
  const query = listing({ active, category: params.category !== undefined, q: params.q !== undefined, cursor: after !== undefined });
  return toPage(await ctx.db.query<Product>(query, values), limit, (row) => row, newestFirstKey);
}
