import { defineModule } from "../../broker/module.ts";
import { createProduct } from "./actions/create-product.action.ts";
import { getProduct } from "./actions/get-product.action.ts";
import { getProducts } from "./actions/get-products.action.ts";
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
  handlers: () => ({ createProduct, updateProduct, deactivateProduct, activateProduct, getProduct, getProducts, listProducts, listInactiveProducts }),
});
