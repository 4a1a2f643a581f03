/**
 * Catalog v2: the same products as v1, through the same contract, with money written as a decimal
 * string in its currency's minor units (`price: { amount: "12.34", currency: "EUR" }`). A version
 * lives here, in the route layer: its schemas, and the translation to and from the contract. The
 * module does not know versions; the next one is another file like this one.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Currency, Type, type Static } from "../../../broker/contract-kit.ts";
import { validationFailed } from "../../../broker/errors.ts";
import { Catalog, ProductId, ProductQuery, type Product } from "../../../modules/catalog/contract.ts";
import { IfNoneMatch, revalidated } from "../../conditional-get.ts";
import { describedBy, invoke, NotModified } from "../../invoke.ts";
import { AMOUNT_PATTERN, fromAmount, MAX_MINOR_UNITS, toAmount } from "../../money.ts";

const { createProduct, updateProduct, deactivateProduct, activateProduct, getProduct, listProducts, listInactiveProducts } = Catalog.actions;
const VERSION = 2;

const Money = Type.Object(
  {
    amount: Type.String({ pattern: AMOUNT_PATTERN, maxLength: 20, description: `decimal string with exactly the currency's ISO 4217 minor-unit digits (2 for codes ISO 4217 does not list); at most ${MAX_MINOR_UNITS} minor units`, examples: ["12.34"] }),
    currency: Currency,
  },
  { title: "Money", additionalProperties: false },
);

const ProductV2 = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    sku: Type.String(),
    name: Type.String(),
    description: Type.String(),
    price: Money,
    category: Type.Union([Type.String(), Type.Null()]),
    active: Type.Boolean(),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { title: "ProductV2" },
);

const { priceCents: _cents, currency: _currency, ...newFields } = Catalog.actions.createProduct.params.properties;
const NewProductV2 = Type.Object({ ...newFields, price: Money }, { title: "NewProductV2", additionalProperties: false });
const { priceCents: _changedCents, currency: _changedCurrency, ...changeFields } = Catalog.actions.updateProduct.params.properties.changes.properties;
const ProductChangesV2 = Type.Object({ ...changeFields, price: Type.Optional(Money) }, { title: "ProductChangesV2", additionalProperties: false, minProperties: 1 });

/** v2 cursors wrap the module's, so that a cursor of one version is refused by the other. */
const CURSOR_PREFIX = "v2.";
const ProductListingV2 = Type.Object(
  {
    ...ProductQuery.properties,
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 520, description: "opaque; from a previous page of v2" })),
    active: Type.Optional(Type.Boolean({ description: "`false`: the inactive products instead (admins only)" })),
  },
  { additionalProperties: false },
);
const ProductPageV2 = Type.Object({ items: Type.Array(ProductV2), nextCursor: Type.Union([Type.String(), Type.Null()]) }, { title: "ProductPageV2" });

function v2(product: Product): Static<typeof ProductV2> {
  const { priceCents, currency, ...rest } = product;
  return { ...rest, price: { amount: toAmount(priceCents, currency), currency } };
}

function moduleCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  if (!cursor.startsWith(CURSOR_PREFIX)) throw validationFailed([{ path: "/query/cursor", message: "is not a cursor issued by this version of the API" }]);
  return cursor.slice(CURSOR_PREFIX.length);
}

export const catalogV2: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/v2/products",
    {
      schema: { ...describedBy(listProducts, "catalog", "Find active products (or, for admins, inactive ones)", [listInactiveProducts], VERSION), querystring: ProductListingV2, response: { 200: ProductPageV2 } },
    },
    async (request) => {
      const { active, cursor, ...query } = request.query;
      const page = await invoke(request, active === false ? listInactiveProducts : listProducts, { ...query, cursor: moduleCursor(cursor) }, { "": "/query" });
      return { items: page.items.map(v2), nextCursor: page.nextCursor === null ? null : CURSOR_PREFIX + page.nextCursor };
    },
  );
  app.get(
    "/v2/products/:id",
    {
      schema: { ...describedBy(getProduct, "catalog", "One product", [], VERSION), params: ProductId, headers: IfNoneMatch, response: { 200: ProductV2, 304: NotModified } },
      onSend: revalidated("public"),
    },
    async (request) => v2(await invoke(request, getProduct, request.params, { "": "/params" })),
  );
  app.post(
    "/v2/products",
    { schema: { ...describedBy(createProduct, "catalog", "Add a product", [], VERSION), body: NewProductV2, response: { 201: ProductV2 } } },
    async (request, reply) => {
      const { price, ...fields } = request.body;
      const priceCents = fromAmount(price.amount, price.currency, "/price/amount");
      const product = v2(await invoke(request, createProduct, { ...fields, priceCents, currency: price.currency }, { "/priceCents": "/price/amount", "/currency": "/price/currency" }));
      return reply.code(201).header("location", `/v2/products/${product.id}`).send(product);
    },
  );
  app.patch(
    "/v2/products/:id",
    {
      schema: { ...describedBy(updateProduct, "catalog", "Change a product", [], VERSION), params: ProductId, body: ProductChangesV2, response: { 200: ProductV2 } },
    },
    async (request) => {
      const { price, ...fields } = request.body;
      const changes = price ? { ...fields, priceCents: fromAmount(price.amount, price.currency, "/price/amount"), currency: price.currency } : fields;
      return v2(await invoke(request, updateProduct, { id: request.params.id, changes }, { "/id": "/params/id", "/changes/priceCents": "/price/amount", "/changes/currency": "/price/currency", "/changes": "" }));
    },
  );
  app.post(
    "/v2/products/:id/activate",
    { schema: { ...describedBy(activateProduct, "catalog", "Make a product orderable again", [], VERSION), params: ProductId, response: { 200: ProductV2 } } },
    async (request) => v2(await invoke(request, activateProduct, request.params, { "": "/params" })),
  );
  app.delete(
    "/v2/products/:id",
    { schema: { ...describedBy(deactivateProduct, "catalog", "Deactivate a product", [], VERSION), params: ProductId, response: { 204: Type.Null({ description: "Deactivated (or already inactive)" }) } } },
    async (request, reply) => {
      await invoke(request, deactivateProduct, request.params, { "": "/params" });
      return reply.code(204).send(null);
    },
  );
};
