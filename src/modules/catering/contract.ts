/**
 * Catering: bulk orders for events. A request is quoted from the catalog's prices with a volume
 * discount when it is made, and holds stock only once an admin confirms it, however far away the
 * event is, through inventory's holds (counted against every shop order: never oversold).
 *
 * Status: `requested` → `confirmed` → `fulfilled`; `requested` → `declined`; `requested` or
 * `confirmed` → `cancelled` (held units go back on sale).
 */
import { CommonErrors, Currency, Cursor, defineContract, defineErrors, Limit, Page, type Static, Timestamp, Type, Uuid } from "../../broker/contract-kit.ts";

export const CateringStatus = Type.Union([Type.Literal("requested"), Type.Literal("confirmed"), Type.Literal("declined"), Type.Literal("cancelled"), Type.Literal("fulfilled")]);

export const CateringItem = Type.Object({
  productId: Uuid,
  sku: Type.String(),
  name: Type.String(),
  unitPriceCents: Type.Integer(),
  quantity: Type.Integer(),
  lineTotalCents: Type.Integer(),
}, { title: "CateringItem" });

export const CateringRequest = Type.Object({
  id: Uuid,
  userId: Uuid,
  status: CateringStatus,
  eventDate: Type.String({ format: "date", description: "YYYY-MM-DD" }),
  guests: Type.Integer(),
  items: Type.Array(CateringItem),
  subtotalCents: Type.Integer(),
  discountPercent: Type.Integer({ description: "0 below 50 guests, 10 from 50, 15 from 200" }),
  discountCents: Type.Integer(),
  totalCents: Type.Integer(),
  currency: Currency,
  notes: Type.String(),
  /** null unless declined with a reason. */
  declineReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}, { title: "CateringRequest" });
export type CateringRequest = Static<typeof CateringRequest>;

export const NewCateringRequest = Type.Object(
  {
    eventDate: Type.String({ format: "date", description: "YYYY-MM-DD, 2 to 365 days after today (UTC)" }),
    guests: Type.Integer({ minimum: 1, maximum: 5000 }),
    items: Type.Array(
      Type.Object({ productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 50 },
    ),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { title: "NewCateringRequest", additionalProperties: false },
);

export const RequestId = Type.Object({ id: Uuid }, { additionalProperties: false });
export const CateringQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor), status: Type.Optional(CateringStatus), userId: Type.Optional(Uuid) },
  { additionalProperties: false },
);
export const CateringPage = Page(CateringRequest, "CateringRequestPage");

const errors = defineErrors({
  eventDateOutOfRange: { status: 422, code: "event_date_out_of_range", description: "The event is less than 2 or more than 365 days after today (UTC)." },
  productUnavailable: { status: 409, code: "product_unavailable", description: "A line names an unknown or inactive product." },
  mixedCurrency: { status: 422, code: "mixed_currency", description: "The products of one request must share a currency." },
  outOfStock: {
    status: 409,
    code: "out_of_stock",
    description: "Not enough stock for every line; nothing was held and the request stays `requested`. `productIds` names the short lines' products.",
    members: { productIds: Type.Array(Uuid) },
  },
  invalidState: { status: 409, code: "invalid_state", description: "The request is not in a state this step applies to." },
});

export const Catering = defineContract({
  name: "catering",
  errors,
  actions: {
    /**
     * A request for the signed-in user, priced from the catalog now; nothing is held yet. Errors:
     * `event_date_out_of_range` (422), `product_unavailable` (409), `mixed_currency` (422),
     * `validation_failed` (400, also for a product listed twice). A retry may make a second request.
     */
    createRequest: {
      params: NewCateringRequest,
      result: CateringRequest,
      access: "user",
      idempotent: false,
      errors: [errors.eventDateOutOfRange, errors.productUnavailable, errors.mixedCurrency],
    },
    /** Newest first: a customer's own, or for an admin everyone's (or one user's, `userId`; a customer who asks gets `forbidden`). Safe to retry. */
    listRequests: { params: CateringQuery, result: CateringPage, access: "user", idempotent: true, errors: [CommonErrors.forbidden] },
    /** One request, for its owner or an admin; anyone else gets `not_found`. Safe to retry. */
    getRequest: { params: RequestId, result: CateringRequest, access: "user", idempotent: true, errors: [CommonErrors.notFound] },
    /**
     * `requested` → `confirmed`, once every line's units are held (all or nothing). Admins only.
     * Errors: `out_of_stock` (409, stays `requested`), `invalid_state` (409), `not_found`. Safe to retry.
     */
    confirmRequest: { params: RequestId, result: CateringRequest, access: "admin", idempotent: true, errors: [CommonErrors.notFound, errors.outOfStock, errors.invalidState] },
    /** `requested` → `declined`, with an optional reason. Admins only. Errors: `invalid_state` (409), `not_found`. */
    declineRequest: {
      params: Type.Object({ id: Uuid, reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      result: CateringRequest,
      access: "admin",
      idempotent: false,
      errors: [CommonErrors.notFound, errors.invalidState],
    },
    /**
     * `requested` or `confirmed` → `cancelled`, for its owner or an admin; held units go back on
     * sale before the answer, or within seconds when inventory is briefly unreachable. Errors:
     * `invalid_state` (409), `not_found` for anyone else.
     */
    cancelRequest: { params: RequestId, result: CateringRequest, access: "user", idempotent: false, errors: [CommonErrors.notFound, errors.invalidState] },
    /** `confirmed` → `fulfilled`: the held units become sold (before the answer, or within seconds). Admins only. Errors: `invalid_state` (409), `not_found`. */
    fulfilRequest: { params: RequestId, result: CateringRequest, access: "admin", idempotent: false, errors: [CommonErrors.notFound, errors.invalidState] },
  },
  events: {},
});
