import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { DEFAULT_LIMIT } from "../../../broker/contract-kit.ts";
import { forbidden } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { statement } from "../../../broker/module-sql.ts";
import { newestFirstCursor, newestFirstKey, toPage } from "../../../broker/pagination.ts";
import type { Order, Orders } from "../contract.ts";
import { ORDER_COLUMNS, VISIBLE } from "./order.view.ts";

const NEWEST = `select ${ORDER_COLUMNS} from orders.orders o where o.user_id = $1 and ${VISIBLE}`;
const FIRST_PAGE = statement("orders_list", `${NEWEST} order by o.created_at desc, o.id desc limit $2`);
const NEXT_PAGE = statement("orders_list_after", `${NEWEST} and (o.created_at, o.id) < ($3::timestamptz, $4::uuid) order by o.created_at desc, o.id desc limit $2`);

/** The caller's orders (or, for an admin, any user's), newest first, keyset-paged on (created_at, id). */
export async function listOrders(
  params: ParamsOf<typeof Orders.actions.listOrders>,
  ctx: ActionContext,
): Promise<ResultOf<typeof Orders.actions.listOrders>> {
  const user = ctx.user as NonNullable<ActionContext["user"]>;
  if (params.userId !== undefined && !user.roles.includes("admin")) throw forbidden("Only admins may list another user's orders.");
  const limit = params.limit ?? DEFAULT_LIMIT;
  const owner = params.userId ?? user.id;
  const after = params.cursor === undefined ? undefined : newestFirstCursor(params.cursor);
  const rows = after
    ? await ctx.db.query<Order>(NEXT_PAGE, [owner, limit + 1, after.createdAt, after.id])
    : await ctx.db.query<Order>(FIRST_PAGE, [owner, limit + 1]);
  return toPage(rows, limit, (row) => row, newestFirstKey);
}
