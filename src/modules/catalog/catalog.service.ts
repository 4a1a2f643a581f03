import { defineModule } from "../../broker/module.ts";
import { deactivateProduct, updateProduct } from "./actions/change-product.action.ts";
import { createProduct } from "./actions/create-product.action.ts";
import { getProduct, listProducts } from "./actions/find-products.action.ts";
import { Catalog } from "./contract.ts";
import { ProductEntity } from "./entities/product.entity.ts";
import { migrations } from "./migrations/index.ts";

export const catalogModule = defineModule({
  contract: Catalog,
  entities: [ProductEntity],
  migrations,
  handlers: () => ({ createProduct, updateProduct, deactivateProduct, getProduct, listProducts }),
});
