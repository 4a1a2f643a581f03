import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { statement } from "../../../broker/module-sql.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Catalog, Product } from "../contract.ts";
import { PRODUCT_COLUMNS } from "./product.view.ts";

const BY_IDS = statement("catalog_products_by_ids", `select ${PRODUCT_COLUMNS} from catalog.products p where p.id = any($1::uuid[])`);

export async function getProducts(
  params: ParamsOf<typeof Catalog.actions.getProducts>,
  ctx: ActionContext,
): Promise<ResultOf<typeof Catalog.actions.getProducts>> {
  return { items: await ctx.db.query<Product>(BY_IDS, [params.ids]) };
}
