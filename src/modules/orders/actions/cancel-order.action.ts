import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { conflict } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Order, Orders } from "../contract.ts";
import { cancel } from "../domain/cancel.ts";
import { OrderEntity } from "../entities/order.entity.ts";
import { findVisibleOrder } from "./find-visible-order.ts";
import { toOrder } from "./order.view.ts";

/** Stock release and refund follow from the `cancelled` event, so they happen even if inventory or payments is down now. */
export async function cancelOrder(params: ParamsOf<typeof Orders.actions.cancelOrder>, ctx: ActionContext): Promise<Order> {
  return ctx.transactional(async ({ em, publish }) => {
    const order = await findVisibleOrder({ user: ctx.user, em }, params.id);
    if (!(await cancel(em, publish, order.id, "customer"))) throw conflict("invalid_state", "The order is already cancelled.");
    return toOrder(await em.findOneOrFail(OrderEntity, { id: order.id }, { refresh: true }));
  });
}
