import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Orders } from "../../orders/contract.ts";
import type { Payment, Payments } from "../contract.ts";
import { PaymentEntity, type PaymentEntity as Row } from "../entities/payment.entity.ts";

/** What the outside world sees: a refund in progress is still a captured payment. */
const VISIBLE: Partial<Record<Row["status"], Payment["status"]>> = { captured: "captured", refunding: "captured", declined: "declined", refunded: "refunded" };

export async function listPayments(
  params: ParamsOf<typeof Payments.actions.listPayments>,
  ctx: ActionContext,
): Promise<ResultOf<typeof Payments.actions.listPayments>> {
  const payment = await ctx.em.findOne(PaymentEntity, { orderId: params.orderId.toLowerCase() });
  const user = ctx.user;
  if (!payment) {
    // Payments may not have seen the order yet (or was down when it was placed): orders knows
    // whether the caller may see it, and answers not_found for anyone else.
    await ctx.call(Orders.actions.getOrder, { id: params.orderId });
    return { items: [] };
  }
  if (!user || (payment.userId !== user.id && !user.roles.includes("admin"))) throw notFound("No such order.");
  const status = VISIBLE[payment.status];
  const items = status
    ? [{ id: payment.id, orderId: payment.orderId, amountCents: payment.amountCents, currency: payment.currency, status, createdAt: payment.createdAt.toISOString() }]
    : [];
  return { items };
}
