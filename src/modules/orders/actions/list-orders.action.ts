import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { DEFAULT_LIMIT } from "../../../broker/contract-kit.ts";
import { forbidden } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { newestFirstKey, olderThan, toPage } from "../../../broker/pagination.ts";
import type { Orders } from "../contract.ts";
import { OrderEntity, VISIBLE_STATES } from "../entities/order.entity.ts";
import { toOrder } from "./order.view.ts";


/** The caller's orders (or, for an admin, any user's), newest first, keyset-paged on (created_at, id). */
export async function listOrders(
  params: ParamsOf<typeof Orders.actions.listOrders>,
  ctx: ActionContext,
): Promise<ResultOf<typeof Orders.actions.listOrders>> {
  const user = ctx.user as NonNullable<ActionContext["user"]>;
  if (params.userId !== undefined && !user.roles.includes("admin")) throw forbidden("Only admins may list another user's orders.");
  const limit = params.limit ?? DEFAULT_LIMIT;
  const qb = ctx.em
    .createQueryBuilder(OrderEntity, "o")
    .where({ userId: (params.userId ?? user.id).toLowerCase(), status: { $in: VISIBLE_STATES } })
    .orderBy({ createdAt: "desc", id: "desc" })
    .limit(limit + 1);
  if (params.cursor !== undefined) qb.andWhere(olderThan(params.cursor));
  const rows = await qb.getResultList();
  return toPage(rows, limit, toOrder, newestFirstKey);
}
