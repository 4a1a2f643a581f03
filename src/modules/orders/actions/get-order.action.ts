import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { statement } from "../../../broker/module-sql.ts";
import type { Order, Orders } from "../contract.ts";
import { ORDER_COLUMNS, VISIBLE } from "./order.view.ts";

const BY_ID = statement("orders_order_by_id", `select ${ORDER_COLUMNS} from orders.orders o where o.id = $1 and ${VISIBLE}`);

/** For its owner or an admin; for anyone else the order does not exist. */
export async function getOrder(params: ParamsOf<typeof Orders.actions.getOrder>, ctx: ActionContext): Promise<Order> {
  const [order] = await ctx.db.query<Order>(BY_ID, [params.id]);
  const user = ctx.user;
  if (!order || !user || (order.userId !== user.id && !user.roles.includes("admin"))) throw notFound("No such order.");
  return order;
}
