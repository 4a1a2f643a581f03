/** Every module's routes, with the module each one needs: `/health/ready` checks exactly these. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Contract } from "../../broker/contract-kit.ts";
import { Catalog } from "../../modules/catalog/contract.ts";
import { Catering } from "../../modules/catering/contract.ts";
import { Identity } from "../../modules/identity/contract.ts";
import { Inventory } from "../../modules/inventory/contract.ts";
import { Orders } from "../../modules/orders/contract.ts";
import { Payments } from "../../modules/payments/contract.ts";
import { catalogRoutes } from "./catalog/index.ts";
import { cateringRoutes } from "./catering/index.ts";
import { identityRoutes } from "./identity/index.ts";
import { inventoryRoutes } from "./inventory/index.ts";
import { ordersRoutes } from "./orders/index.ts";
import { paymentsRoutes } from "./payments/index.ts";

export const routeSets: { module: string; contract: Contract; routes: FastifyPluginAsyncTypebox }[] = [
  { module: Identity.name, contract: Identity, routes: identityRoutes },
  { module: Catalog.name, contract: Catalog, routes: catalogRoutes },
  { module: Inventory.name, contract: Inventory, routes: inventoryRoutes },
  { module: Orders.name, contract: Orders, routes: ordersRoutes },
  { module: Payments.name, contract: Payments, routes: paymentsRoutes },
  { module: Catering.name, contract: Catering, routes: cateringRoutes },
];
