/**
 * OpenAPI 3 generated from the route schemas, which come from the module contracts (finished in
 * openapi.ts), the page that shows it, and `GET /`: a small index of where things are.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ActionRef } from "../../broker/contract-kit.ts";
import { finishDocument } from "../openapi.ts";

const INDEX = {
  name: "bazaar",
  description: "An online shop's backend.",
  links: { docs: "/docs", openapi: "/docs/json", live: "/health/live", ready: "/health/ready", jwks: "/.well-known/jwks.json" },
};

export const docsPlugin = fp(async (app: FastifyInstance, options: { actions: ActionRef[] }) => {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "bazaar",
        version: "1.0.0",
        description: "An online shop's backend. Errors are application/problem+json (RFC 9457), each with a stable `code`.",
        license: { name: "MIT", url: "https://opensource.org/license/mit" },
      },
      // Relative to wherever this document was fetched from: the gateway serving it.
      servers: [{ url: "/", description: "this gateway" }],
      components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    },
    transformObject: (document) => finishDocument((document as { openapiObject: Record<string, unknown> }).openapiObject, options.actions),
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { deepLinking: true }, staticCSP: true });
  app.get("/", { schema: { hide: true }, config: { rateLimit: false } }, async () => INDEX);
});
