import type { FindOneOptions } from "@mikro-orm/core";
import { notFound } from "../../../broker/errors.ts";
import type { ModuleEntityManager } from "../../../broker/database.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { OrderEntity, VISIBLE_STATES } from "../entities/order.entity.ts";

/** The order if the caller may see it (its owner or an admin); for anyone else it does not exist. */
export async function findVisibleOrder(
  ctx: Pick<ActionContext, "user"> & { em: ModuleEntityManager },
  id: string,
  options: FindOneOptions<OrderEntity> = {},
): Promise<OrderEntity> {
  const order = await ctx.em.findOne(OrderEntity, { id: id.toLowerCase(), status: { $in: VISIBLE_STATES } }, options);
  const user = ctx.user;
  if (!order || !user || (order.userId !== user.id && !user.roles.includes("admin"))) throw notFound("No such order.");
  return order;
}
