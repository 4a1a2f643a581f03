/** The catalog's routes: v2, and v1 beside it, superseded (deprecation.ts says what that adds). */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { superseded } from "../../deprecation.ts";
import { catalogV1 } from "./v1.ts";
import { catalogV2 } from "./v2.ts";

export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(superseded, {
    deprecatedAt: new Date("2026-12-01T00:00:00Z"),
    sunsetAt: new Date("2027-06-01T00:00:00Z"),
    successor: (path) => path.replace(/^\/v1\//, "/v2/"),
    routes: catalogV1,
  });
  await app.register(catalogV2);
};
