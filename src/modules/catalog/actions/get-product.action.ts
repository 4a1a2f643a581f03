import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { statement } from "../../../broker/module-sql.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Catalog, Product } from "../contract.ts";
import { PRODUCT_COLUMNS } from "./product.view.ts";

const BY_ID = statement("catalog_product_by_id", `select ${PRODUCT_COLUMNS} from catalog.products p where p.id = $1`);

export async function getProduct(params: ParamsOf<typeof Catalog.actions.getProduct>, ctx: ActionContext): Promise<Product> {
  const [product] = await ctx.db.query<Product>(BY_ID, [params.id]);
  if (!product) throw notFound("No product has this id.");
  return product;
}
