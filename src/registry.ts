/** The registry: the one file outside the modules' folders that knows which modules exist. */
import type { ModuleDefinition } from "./broker/module.ts";
import catalog from "./modules/catalog/index.ts";
import catering from "./modules/catering/index.ts";
import identity from "./modules/identity/index.ts";
import inventory from "./modules/inventory/index.ts";
import orders from "./modules/orders/index.ts";
import payments from "./modules/payments/index.ts";

/** Every business module; a new module is added here and nowhere else outside its folder. */
export const registry = [identity, catalog, inventory, orders, payments, catering] as ModuleDefinition[];
