/**
 * Products by id, for one (`getProduct`: a product page) or many (`getProducts`: a checkout's
 * prices). Reads that arrive while others are being answered go together in the next statement,
 * so under load a hundred product pages cost a few queries, not a hundred; the first read of a
 * quiet moment goes at once. Each read's statement starts after the read arrived, so it sees every
 * write committed before it.
 */
import { batcher } from "../../../broker/batcher.ts";
import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ModuleRuntime } from "../../../broker/module.ts";
import { statement } from "../../../broker/module-sql.ts";
import type { Catalog, Product } from "../contract.ts";
import { PRODUCT_COLUMNS } from "./product.view.ts";

const BY_IDS = statement("catalog_products_by_ids", `select ${PRODUCT_COLUMNS} from catalog.products p where p.id = any($1::uuid[])`);
/** Reads answered by one statement at most. */
const MAX_BATCH = 64;

export function productReads(runtime: ModuleRuntime) {
  const read = batcher(async (reads: string[][]) => {
    const rows = await runtime.db.query<Product>(BY_IDS, [[...new Set(reads.flat())]]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return reads.map((ids) => ids.flatMap((id) => byId.get(id) ?? []));
  }, MAX_BATCH);
  /** The products found, each once, in the order asked (ids compare as UUIDs, whatever their case). */
  const products = (ids: string[]) => read([...new Set(ids.map((id) => id.toLowerCase()))]);
  return {
    async getProduct(params: ParamsOf<typeof Catalog.actions.getProduct>): Promise<Product> {
      const [product] = await products([params.id]);
      if (!product) throw notFound("No product has this id.");
      return product;
    },
    async getProducts(params: ParamsOf<typeof Catalog.actions.getProducts>): Promise<ResultOf<typeof Catalog.actions.getProducts>> {
      return { items: await products(params.ids) };
    },
  };
}
