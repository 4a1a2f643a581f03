/** Every module's routes, with the module each one needs: `/health/ready` checks exactly these. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Catalog } from "../../modules/catalog/contract.ts";
import { Identity } from "../../modules/identity/contract.ts";
import { catalogRoutes } from "./catalog/index.ts";
import { identityRoutes } from "./identity/index.ts";

export const routeSets: { module: string; routes: FastifyPluginAsyncTypebox }[] = [
  { module: Identity.name, routes: identityRoutes },
  { module: Catalog.name, routes: catalogRoutes },
];
