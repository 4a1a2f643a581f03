/**
 * Catalog: the products a shop sells and finding them. Products are never deleted, only
 * deactivated, so orders that name them stay explainable.
 */
import { CommonErrors, Currency, Cursor, defineContract, defineErrors, Limit, Page, Timestamp, Type, Uuid, type Static } from "../../broker/contract-kit.ts";

export const Product = Type.Object({
  id: Uuid,
  sku: Type.String(),
  name: Type.String(),
  description: Type.String(),
  priceCents: Type.Integer(),
  currency: Type.String(),
  category: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}, { title: "Product" });
export type Product = Static<typeof Product>;

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 5000 });
const PriceCents = Type.Integer({ minimum: 0, maximum: 100_000_000 });
const Category = Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]);

export const NewProduct = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$", description: "unique case-insensitively, never reused" }),
    name: Name,
    description: Type.Optional(Description),
    priceCents: PriceCents,
    currency: Currency,
    category: Type.Optional(Category),
  },
  { title: "NewProduct", additionalProperties: false },
);

export const ProductChanges = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    priceCents: Type.Optional(PriceCents),
    currency: Type.Optional(Currency),
    category: Type.Optional(Category),
  },
  { title: "ProductChanges", additionalProperties: false, minProperties: 1 },
);

export const ProductId = Type.Object({ id: Uuid }, { additionalProperties: false });

export const ProductQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "words of name and description; the last one may be a prefix" })),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const ProductPage = Page(Product, "ProductPage");

const errors = defineErrors({
  skuTaken: { status: 409, code: "sku_taken", description: "A product has this sku, or had it: skus are never reused." },
});

export const Catalog = defineContract({
  name: "catalog",
  errors,
  actions: {
    /** Adds a product. Admins only. Errors: `sku_taken` (409). Not retried: a retry reports `sku_taken`. */
    createProduct: { params: NewProduct, result: Product, access: "admin", idempotent: false, errors: [errors.skuTaken] },
    /**
     * Changes a product's fields (not sku or active). Admins only.
     * Errors: `not_found` (404), `validation_failed` (400, also for no field at all). Safe to retry.
     */
    updateProduct: {
      params: Type.Object({ id: Uuid, changes: ProductChanges }, { additionalProperties: false }),
      result: Product,
      access: "admin",
      idempotent: true,
      errors: [CommonErrors.notFound],
    },
    /**
     * Makes a product inactive (no longer orderable); also fine when already inactive, and then
     * publishes nothing. Admins only. Errors: `not_found` (404). Safe to retry.
     */
    deactivateProduct: { params: ProductId, result: Product, access: "admin", idempotent: true, errors: [CommonErrors.notFound] },
    /**
     * Makes a product active (orderable) again; also fine when already active, and then publishes
     * nothing. Admins only. Errors: `not_found` (404). Safe to retry.
     */
    activateProduct: { params: ProductId, result: Product, access: "admin", idempotent: true, errors: [CommonErrors.notFound] },
    /**
     * One product, active or not. Anyone. Errors: `not_found`. Safe to retry. Cacheable: a change
     * through the caller's node shows at once, elsewhere once the product's event arrives.
     */
    getProduct: {
      params: ProductId,
      result: Product,
      access: "anyone",
      idempotent: true,
      errors: [CommonErrors.notFound],
      cache: {
        key: "id",
        evictedBy: ["catalog.product.updated", "catalog.product.deactivated", "catalog.product.activated"],
        changedBy: ["updateProduct", "deactivateProduct", "activateProduct"],
      },
    },
    /**
     * Several products by id, active or not, for other modules (orders and catering snapshot prices with it).
     * Unknown ids are simply absent from `items`. Internal. Safe to retry.
     */
    getProducts: {
      params: Type.Object({ ids: Type.Array(Uuid, { minItems: 1, maxItems: 100, uniqueItems: true }) }, { additionalProperties: false }),
      result: Type.Object({ items: Type.Array(Product) }),
      access: "internal",
      callers: ["orders", "catering"],
      idempotent: true,
    },
    /**
     * Active products, newest first, filtered by words (all must match, the last as a prefix) and
     * category. Anyone. Errors: `validation_failed` (400, also for a cursor we did not issue). Safe to retry.
     */
    listProducts: { params: ProductQuery, result: ProductPage, access: "anyone", idempotent: true },
    /** Inactive products, newest first, with the same filters as `listProducts`. Admins only. Safe to retry. */
    listInactiveProducts: { params: ProductQuery, result: ProductPage, access: "admin", idempotent: true },
  },
  events: {
    /** A product was added. Payload: the product. */
    "catalog.product.created": Product,
    /** A product's fields changed. Payload: the product after the change. */
    "catalog.product.updated": Product,
    /** A product became inactive. Payload: the product. */
    "catalog.product.deactivated": Product,
    /** An inactive product became active again. Payload: the product. */
    "catalog.product.activated": Product,
  },
});
