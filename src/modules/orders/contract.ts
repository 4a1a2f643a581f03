/**
 * Orders: checkout and the order lifecycle. Orders owns the outcome of a purchase: it reserves
 * stock, records the order with its `placed` event in one transaction, and moves the order on as
 * payment and inventory report back.
 *
 * Status: `awaiting_payment` → `paid`; `awaiting_payment` → `cancelled` (payment declined, the
 * reservation expired, or cancelled by the customer); `paid` → `cancelled` (refunded).
 */
import { CommonErrors, Currency, Cursor, defineContract, defineErrors, Limit, Page, type Static, Timestamp, Type, Uuid } from "../../broker/contract-kit.ts";

export const OrderStatus = Type.Union([Type.Literal("awaiting_payment"), Type.Literal("paid"), Type.Literal("cancelled")]);

export const OrderItem = Type.Object({
  productId: Uuid,
  sku: Type.String(),
  name: Type.String(),
  unitPriceCents: Type.Integer(),
  quantity: Type.Integer(),
  lineTotalCents: Type.Integer(),
}, { title: "OrderItem" });

/** Why an order was cancelled: by its owner or an admin, its payment declined or its provider unavailable for the whole retry window, or its stock hold expired. */
export const CancelReason = Type.Union([Type.Literal("customer"), Type.Literal("payment_declined"), Type.Literal("payment_unavailable"), Type.Literal("reservation_expired")]);
export type CancelReason = Static<typeof CancelReason>;

export const Order = Type.Object({
  id: Uuid,
  userId: Uuid,
  status: OrderStatus,
  /** null unless the order is cancelled. */
  cancelReason: Type.Union([CancelReason, Type.Null()]),
  items: Type.Array(OrderItem),
  totalCents: Type.Integer(),
  currency: Currency,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}, { title: "Order" });
export type Order = Static<typeof Order>;

export const NewOrder = Type.Object(
  {
    items: Type.Array(
      Type.Object({ productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 50 },
    ),
    paymentToken: Type.String({ minLength: 1, maxLength: 64, pattern: "^tok_", description: "from the payment provider; starts with tok_" }),
  },
  { title: "NewOrder", additionalProperties: false },
);

export const IdempotencyKey = Type.String({ minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7E]+$" });

export const OrderId = Type.Object({ id: Uuid }, { additionalProperties: false });

export const OrderQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor), userId: Type.Optional(Uuid) },
  { additionalProperties: false },
);

export const OrderPage = Page(Order, "OrderPage");

const OrderEvent = { orderId: Uuid, userId: Uuid };

const errors = defineErrors({
  outOfStock: {
    status: 409,
    code: "out_of_stock",
    description: "Not enough stock for every line; nothing stays held. `productIds` names the lines' products that were short.",
    members: { productIds: Type.Array(Uuid) },
  },
  productUnavailable: { status: 409, code: "product_unavailable", description: "A line names an unknown or inactive product." },
  mixedCurrency: { status: 422, code: "mixed_currency", description: "The products of one order must share a currency." },
  idempotencyKeyReused: { status: 422, code: "idempotency_key_reused", description: "This Idempotency-Key was used with another request body." },
  alreadyCancelled: { status: 409, code: "invalid_state", description: "The order is already cancelled." },
});

export const Orders = defineContract({
  name: "orders",
  errors,
  sensitive: ["paymentToken"],
  actions: {
    /**
     * Places an order for the signed-in user: prices snapshotted from the catalog, stock held,
     * payment started in the background. Errors: `out_of_stock` (409, nothing stays held),
     * `product_unavailable` (409, unknown or inactive product), `mixed_currency` (422),
     * `validation_failed` (400, also for a product listed twice), `idempotency_key_reused` (422),
     * `dependency_unavailable` (503). With an `idempotencyKey` it is safe to retry: the same key and
     * body answer the same order; without one a retry may place a second order.
     */
    placeOrder: {
      params: Type.Object({ order: NewOrder, idempotencyKey: Type.Optional(IdempotencyKey) }, { additionalProperties: false }),
      result: Order,
      access: "user",
      idempotent: false,
      errors: [errors.outOfStock, errors.productUnavailable, errors.mixedCurrency, errors.idempotencyKeyReused],
    },
    /** One order, for its owner or an admin; anyone else gets `not_found`. Safe to retry. */
    getOrder: { params: OrderId, result: Order, access: "user", idempotent: true, errors: [CommonErrors.notFound] },
    /**
     * The caller's orders, newest first; an admin may ask for another user's (`userId`), a customer
     * who does gets `forbidden`. Safe to retry.
     */
    listOrders: { params: OrderQuery, result: OrderPage, access: "user", idempotent: true, errors: [CommonErrors.forbidden] },
    /**
     * Cancels an order for its owner or an admin: held stock goes back on sale and a captured
     * payment is refunded (in the background). Errors: `invalid_state` (409) once cancelled,
     * `not_found` for anyone else. Safe to retry only in the sense that a retry reports `invalid_state`.
     */
    cancelOrder: { params: OrderId, result: Order, access: "user", idempotent: false, errors: [CommonErrors.notFound, errors.alreadyCancelled] },
  },
  events: {
    /** An order holds its stock and awaits payment. Carries what payments needs to charge it. */
    "orders.order.placed": Type.Object({
      ...OrderEvent,
      totalCents: Type.Integer(),
      currency: Currency,
      paymentToken: Type.String(),
    }),
    /** An order's payment was captured: its held stock is sold. */
    "orders.order.paid": Type.Object(OrderEvent),
    /** An order was cancelled: its stock goes back on sale, and a captured payment is refunded. */
    "orders.order.cancelled": Type.Object({
      ...OrderEvent,
      reason: CancelReason,
    }),
  },
});
