import { defineModule } from "../../broker/module.ts";
import { createProduct } from "./actions/create-product.action.ts";
import { productReads } from "./actions/read-products.action.ts";
import { listInactiveProducts, listProducts } from "./actions/list-products.action.ts";
import { activateProduct, deactivateProduct } from "./actions/set-active.action.ts";
import { updateProduct } from "./actions/update-product.action.ts";
import { Catalog } from "./contract.ts";
import { ProductEntity } from "./entities/product.entity.ts";
import { migrations } from "./migrations/index.ts";

export const catalogModule = defineModule({
  contract: Catalog,
  entities: [ProductEntity],
  migrations,
  handlers: (runtime) => ({ createProduct, updateProduct, deactivateProduct, activateProduct, ...productReads(runtime), listProducts, listInactiveProducts }),
});
