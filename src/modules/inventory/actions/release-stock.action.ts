import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Inventory } from "../contract.ts";
import { releaseReservation } from "../domain/release.ts";

export async function releaseStock(
  params: ParamsOf<typeof Inventory.actions.releaseStock>,
  ctx: ActionContext,
): Promise<ResultOf<typeof Inventory.actions.releaseStock>> {
  const orderId = params.orderId.toLowerCase();
  const released = await ctx.transactional(({ em }) => releaseReservation(em, orderId));
  return { orderId, released };
}
