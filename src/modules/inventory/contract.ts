/**
 * Inventory: how many units of each product are free to sell, held for orders awaiting payment,
 * and sold. Stock is never oversold: reservations take units with one conditional update each.
 */
import { CommonErrors, defineContract, defineErrors, Type, Uuid, type Static } from "../../broker/contract-kit.ts";

export const Stock = Type.Object({
  productId: Uuid,
  available: Type.Integer({ description: "free to sell" }),
  reserved: Type.Integer({ description: "held for orders awaiting payment" }),
  sold: Type.Integer({ description: "paid for" }),
}, { title: "Stock" });
export type Stock = Static<typeof Stock>;

export const StockLevel = Type.Object({ available: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }) }, { title: "StockLevel", additionalProperties: false });

export const ProductRef = Type.Object({ productId: Uuid }, { additionalProperties: false });

const ReservationLines = Type.Array(
  Type.Object({ productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false }),
  { minItems: 1, maxItems: 50 },
);

const OrderRef = Type.Object({ orderId: Uuid }, { additionalProperties: false });

const HoldLines = Type.Array(
  Type.Object({ productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }, { additionalProperties: false }),
  { minItems: 1, maxItems: 50 },
);
const HoldRef = Type.Object({ holdId: Uuid }, { additionalProperties: false });
const HoldState = Type.Object({ holdId: Uuid, status: Type.Union([Type.Literal("held"), Type.Literal("sold"), Type.Literal("released")]) });

const errors = defineErrors({
  outOfStock: {
    status: 409,
    code: "out_of_stock",
    description: "Not enough stock for every line; nothing was held. `productIds` names the lines' products that were short.",
    members: { productIds: Type.Array(Uuid) },
  },
  reservationReleased: { status: 409, code: "invalid_state", description: "The order's reservation was already released." },
  holdReleased: { status: 409, code: "invalid_state", description: "The hold was released (or never made): its units cannot be held or sold under it." },
});

export const Inventory = defineContract({
  name: "inventory",
  errors,
  actions: {
    /** Stock of one product; all zero for a product never stocked. Anyone. Safe to retry. */
    getStock: { params: ProductRef, result: Stock, access: "anyone", idempotent: true },
    /**
     * Sets the units free to sell. Admins only. Errors: `not_found` (404) when the catalog has no
     * such product. Safe to retry.
     */
    setStock: {
      params: Type.Object({ productId: Uuid, available: StockLevel.properties.available }, { additionalProperties: false }),
      result: Stock,
      access: "admin",
      idempotent: true,
      errors: [CommonErrors.notFound],
    },
    /**
     * Holds units for an order, all lines or none. Internal, for orders' checkout only. Idempotent by
     * `orderId`: calling again for an order that holds its units answers the same.
     * Errors: `out_of_stock` (409, nothing held), `invalid_state` (409, the order's reservation was
     * already released). Safe to retry.
     */
    reserveStock: {
      params: Type.Object({ orderId: Uuid, lines: ReservationLines }, { additionalProperties: false }),
      result: Type.Object({ orderId: Uuid, status: Type.Literal("held") }),
      access: "internal",
      callers: ["orders"],
      idempotent: true,
      errors: [errors.outOfStock, errors.reservationReleased],
    },
    /**
     * Gives back whatever an order holds or bought (held → available, sold → available); nothing to
     * give back is fine. Internal, for orders' compensation only. Safe to retry.
     */
    releaseStock: {
      params: OrderRef,
      result: Type.Object({ orderId: Uuid, released: Type.Boolean() }),
      access: "internal",
      callers: ["orders"],
      idempotent: true,
    },
    /**
     * Holds units under a holder's own id (not an order's), all lines or none, with no expiry: they
     * stay `reserved` until sold or released, and count against every order. Internal, for
     * catering. Idempotent by `holdId`: asked again, answers the hold's status.
     * Errors: `out_of_stock` (409, nothing held), `invalid_state` (409, the hold was released). Safe to retry.
     */
    holdStock: {
      params: Type.Object({ holdId: Uuid, lines: HoldLines }, { additionalProperties: false }),
      result: HoldState,
      access: "internal",
      callers: ["catering"],
      idempotent: true,
      errors: [errors.outOfStock, errors.holdReleased],
    },
    /** Held units become sold. Internal, for catering. Errors: `invalid_state` (409, released or never held). Safe to retry. */
    sellHold: { params: HoldRef, result: HoldState, access: "internal", callers: ["catering"], idempotent: true, errors: [errors.holdReleased] },
    /**
     * Gives back what a hold keeps (held → available, sold → available); a hold never made is
     * recorded as released, so that a holdStock still on its way holds nothing. Internal, for catering. Safe to retry.
     */
    releaseHold: { params: HoldRef, result: HoldState, access: "internal", callers: ["catering"], idempotent: true },
  },
  events: {
    /** A held reservation outlived RESERVATION_TTL_S and its units went back on sale. */
    "inventory.reservation.expired": Type.Object({ orderId: Uuid }),
  },
});
