/**
 * Payments: charges orders through the payment provider (simulated here), captures, declines and
 * refunds. An order never has more than one captured payment.
 */
import { CommonErrors, Currency, Cursor, defineContract, Limit, Page, Timestamp, Type, Uuid, type Static } from "../../broker/contract-kit.ts";

export const Payment = Type.Object({
  id: Uuid,
  orderId: Uuid,
  amountCents: Type.Integer(),
  currency: Currency,
  status: Type.Union([Type.Literal("captured"), Type.Literal("declined"), Type.Literal("refunded")]),
  createdAt: Timestamp,
}, { title: "Payment" });
export type Payment = Static<typeof Payment>;

export const PaymentPage = Page(Payment, "PaymentPage");

export const PaymentQuery = Type.Object(
  {
    orderId: Type.Optional(Uuid),
    userId: Type.Optional({ ...Uuid, description: "another user's payments (admins only)" }),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

const PaymentEvent = { paymentId: Uuid, orderId: Uuid };

export const Payments = defineContract({
  name: "payments",
  actions: {
    /**
     * With `orderId`, the payments of that order, for its owner or an admin (anyone else gets
     * `not_found`); without, the caller's payments newest first, or an admin's choice of user
     * (`userId`; a customer who asks gets `forbidden`). Safe to retry.
     */
    listPayments: { params: PaymentQuery, result: PaymentPage, access: "user", idempotent: true, errors: [CommonErrors.notFound, CommonErrors.forbidden] },
  },
  events: {
    /** The order's amount was captured. */
    "payments.payment.captured": Type.Object({ ...PaymentEvent, amountCents: Type.Integer(), currency: Currency }),
    /** The provider declined, or stayed unavailable for PAYMENTS_RETRY_WINDOW_S. */
    "payments.payment.declined": Type.Object({ ...PaymentEvent, reason: Type.Union([Type.Literal("declined"), Type.Literal("provider_unavailable")]) }),
    /** A captured payment was refunded because its order was cancelled. */
    "payments.payment.refunded": Type.Object(PaymentEvent),
  },
});
