import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "../../../broker/contract-kit.ts";
import { Catalog, NewProduct, Product, ProductChanges, ProductId, ProductPage, ProductQuery } from "../../../modules/catalog/contract.ts";
import { IfNoneMatch, revalidated } from "../../conditional-get.ts";
import { describedBy, invoke, NotModified } from "../../invoke.ts";

const { createProduct, updateProduct, deactivateProduct, activateProduct, getProduct, listProducts, listInactiveProducts } = Catalog.actions;

/** The listing's query: `active=false` lists the inactive products instead, for admins. */
const ProductListing = Type.Object(
  { ...ProductQuery.properties, active: Type.Optional(Type.Boolean({ description: "`false`: the inactive products instead (admins only)" })) },
  { additionalProperties: false },
);

/** Catalog v1: money as integer `priceCents` + `currency`, as the module keeps it. Superseded by v2. */
export const catalogV1: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/v1/products",
    {
      schema: { ...describedBy(listProducts, "catalog", "Find active products (or, for admins, inactive ones)", [listInactiveProducts]), querystring: ProductListing, response: { 200: ProductPage } },
    },
    async (request) => {
      const { active, ...query } = request.query;
      return invoke(request, active === false ? listInactiveProducts : listProducts, query, { "": "/query" });
    },
  );
  app.get(
    "/v1/products/:id",
    {
      schema: { ...describedBy(getProduct, "catalog", "One product"), params: ProductId, headers: IfNoneMatch, response: { 200: Product, 304: NotModified } },
      onSend: revalidated("public"),
    },
    async (request) => invoke(request, getProduct, request.params, { "": "/params" }),
  );
  app.post(
    "/v1/products",
    { schema: { ...describedBy(createProduct, "catalog", "Add a product"), body: NewProduct, response: { 201: Product } } },
    async (request, reply) => {
      const product = await invoke(request, createProduct, request.body);
      return reply.code(201).header("location", `/v1/products/${product.id}`).send(product);
    },
  );
  app.patch(
    "/v1/products/:id",
    {
      schema: { ...describedBy(updateProduct, "catalog", "Change a product"), params: ProductId, body: ProductChanges, response: { 200: Product } },
    },
    async (request) => invoke(request, updateProduct, { id: request.params.id, changes: request.body }, { "/id": "/params/id", "/changes": "" }),
  );
  app.post(
    "/v1/products/:id/activate",
    { schema: { ...describedBy(activateProduct, "catalog", "Make a product orderable again"), params: ProductId, response: { 200: Product } } },
    async (request) => invoke(request, activateProduct, request.params, { "": "/params" }),
  );
  app.delete(
    "/v1/products/:id",
    { schema: { ...describedBy(deactivateProduct, "catalog", "Deactivate a product"), params: ProductId, response: { 204: Type.Null({ description: "Deactivated (or already inactive)" }) } } },
    async (request, reply) => {
      await invoke(request, deactivateProduct, request.params, { "": "/params" });
      return reply.code(204).send(null);
    },
  );
};
