import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import { DEFAULT_LIMIT } from "../../../broker/contract-kit.ts";
import { forbidden, notFound } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { isoTimestamp, statement } from "../../../broker/module-sql.ts";
import { newestFirstCursor, newestFirstKey, toPage } from "../../../broker/pagination.ts";
import { Orders } from "../../orders/contract.ts";
import type { Payment, Payments } from "../contract.ts";

type Result = ResultOf<typeof Payments.actions.listPayments>;

/** What the outside world sees: settled payments, a refund in progress still as captured. */
const VISIBLE = "status in ('captured', 'refunding', 'declined', 'refunded')";
const COLUMNS = `id, order_id as "orderId", amount_cents::float8 as "amountCents", currency,
  case status when 'refunding' then 'captured' else status end as status, ${isoTimestamp("created_at")} as "createdAt"`;
const OWNED = `select ${COLUMNS} from payments.payments where user_id = $1 and ${VISIBLE}`;
const FIRST_PAGE = statement("payments_list", `${OWNED} order by created_at desc, id desc limit $2`);
const BY_ORDER = statement("payments_by_order", `select ${COLUMNS}, user_id as "userId", ${VISIBLE} as visible from payments.payments where order_id = $1`);
const NEXT_PAGE = statement("payments_list_after", `${OWNED} and (created_at, id) < ($3::timestamptz, $4::uuid) order by created_at desc, id desc limit $2`);

export function listPayments(params: ParamsOf<typeof Payments.actions.listPayments>, ctx: ActionContext): Promise<Result> {
  return params.orderId === undefined ? listOwned(params, ctx) : listForOrder(params.orderId, ctx);
}

/** The caller's payments (or, for an admin, any user's), newest first, keyset-paged on (created_at, id). */
async function listOwned(params: ParamsOf<typeof Payments.actions.listPayments>, ctx: ActionContext): Promise<Result> {
  const user = ctx.user as NonNullable<ActionContext["user"]>;
  if (params.userId !== undefined && !user.roles.includes("admin")) throw forbidden("Only admins may list another user's payments.");
  const limit = params.limit ?? DEFAULT_LIMIT;
  const owner = (params.userId ?? user.id).toLowerCase();
  const after = params.cursor === undefined ? undefined : newestFirstCursor(params.cursor);
  const rows = after
    ? await ctx.db.query<Payment>(NEXT_PAGE, [owner, limit + 1, after.createdAt, after.id])
    : await ctx.db.query<Payment>(FIRST_PAGE, [owner, limit + 1]);
  return toPage(rows, limit, (row) => row, newestFirstKey);
}

async function listForOrder(orderId: string, ctx: ActionContext): Promise<Result> {
  const [row] = await ctx.db.query<Payment & { userId: string; visible: boolean }>(BY_ORDER, [orderId.toLowerCase()]);
  const user = ctx.user;
  if (!row) {
    // Payments may not have seen the order yet (or was down when it was placed): orders knows
    // whether the caller may see it, and answers not_found for anyone else.
    await ctx.call(Orders.actions.getOrder, { id: orderId });
    return { items: [], nextCursor: null };
  }
  if (!user || (row.userId !== user.id && !user.roles.includes("admin"))) throw notFound("No such order.");
  const { userId: _owner, visible, ...payment } = row;
  return { items: visible ? [payment] : [], nextCursor: null };
}
