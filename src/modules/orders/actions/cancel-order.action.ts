import type { ParamsOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Orders, type Order } from "../contract.ts";
import { cancel } from "../domain/cancel.ts";
import { OrderEntity } from "../entities/order.entity.ts";
import { findVisibleOrder } from "./find-visible-order.ts";
import { toOrder } from "./order.view.ts";

/** Stock release and refund follow from the `cancelled` event, so they happen even if inventory or payments is down now. */
export async function cancelOrder(params: ParamsOf<typeof Orders.actions.cancelOrder>, ctx: ActionContext): Promise<Order> {
  return ctx.transactional(async ({ em, publish }) => {
    const order = await findVisibleOrder({ user: ctx.user, em }, params.id);
    if (!(await cancel(em, publish, order.id, "customer"))) throw Orders.errors.alreadyCancelled.error();
    return toOrder(await em.findOneOrFail(OrderEntity, { id: order.id }, { refresh: true }));
  });
}
