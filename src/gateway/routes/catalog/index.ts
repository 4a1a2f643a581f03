import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Catalog, NewProduct, Product, ProductChanges, ProductId, ProductPage, ProductQuery } from "../../../modules/catalog/contract.ts";
import { describedBy, invoke } from "../../invoke.ts";

const { createProduct, updateProduct, deactivateProduct, getProduct, listProducts } = Catalog.actions;

export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/v1/products",
    { schema: { ...describedBy(listProducts, "catalog", "Find active products"), querystring: ProductQuery, response: { 200: ProductPage } } },
    async (request) => invoke(request, listProducts, request.query),
  );
  app.get(
    "/v1/products/:id",
    { schema: { ...describedBy(getProduct, "catalog", "One product"), params: ProductId, response: { 200: Product } } },
    async (request) => invoke(request, getProduct, request.params),
  );
  app.post(
    "/v1/products",
    { schema: { ...describedBy(createProduct, "catalog", "Add a product"), body: NewProduct, response: { 201: Product } } },
    async (request, reply) => reply.code(201).send(await invoke(request, createProduct, request.body)),
  );
  app.patch(
    "/v1/products/:id",
    {
      schema: { ...describedBy(updateProduct, "catalog", "Change a product"), params: ProductId, body: ProductChanges, response: { 200: Product } },
    },
    async (request) => invoke(request, updateProduct, { id: request.params.id, changes: request.body }),
  );
  app.delete(
    "/v1/products/:id",
    { schema: { ...describedBy(deactivateProduct, "catalog", "Deactivate a product"), params: ProductId } },
    async (request, reply) => {
      await invoke(request, deactivateProduct, request.params);
      return reply.code(204).send();
    },
  );
};
