import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { DEFAULT_LIMIT, UUID_PATTERN } from "../../../broker/contract-kit.ts";
import { forbidden } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { decodeCursor, toPage } from "../../../broker/pagination.ts";
import type { Orders } from "../contract.ts";
import { OrderEntity, VISIBLE_STATES } from "../entities/order.entity.ts";
import { toOrder } from "./order.view.ts";

const UUID = new RegExp(UUID_PATTERN);
const isCursorPart = (part: string, index: number) =>
  index === 0 ? /^2\d{3}-/.test(part) && !Number.isNaN(Date.parse(part)) && new Date(part).toISOString() === part : UUID.test(part);

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
  if (params.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(params.cursor, 2, isCursorPart) as [string, string];
    const after = new Date(createdAt);
    qb.andWhere({ $or: [{ createdAt: { $lt: after } }, { createdAt: after, id: { $lt: id } }] });
  }
  const rows = await qb.getResultList();
  return toPage(rows, limit, toOrder, (row) => [row.createdAt.toISOString(), row.id]);
}
