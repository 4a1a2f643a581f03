import type { ParamsOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Order, Orders } from "../contract.ts";
import { findVisibleOrder } from "./find-visible-order.ts";
import { toOrder } from "./order.view.ts";

export async function getOrder(params: ParamsOf<typeof Orders.actions.getOrder>, ctx: ActionContext): Promise<Order> {
  return toOrder(await findVisibleOrder(ctx, params.id));
}
