import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Inventory } from "../contract.ts";
import { holdLines, releaseHeld, sellHeld } from "../domain/holds.ts";

type Action = keyof typeof Inventory.actions;
type Handler<A extends Action> = (params: ParamsOf<(typeof Inventory.actions)[A]>, ctx: ActionContext) => Promise<ResultOf<(typeof Inventory.actions)[A]>>;

export const holdStock: Handler<"holdStock"> = async ({ holdId, lines }, ctx) => {
  const id = holdId.toLowerCase();
  const own = lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity }));
  return { holdId: id, status: await ctx.transactional(({ em }) => holdLines(em, id, own)) };
};

export const sellHold: Handler<"sellHold"> = async ({ holdId }, ctx) => {
  const id = holdId.toLowerCase();
  return { holdId: id, status: await ctx.transactional(({ em }) => sellHeld(em, id)) };
};

export const releaseHold: Handler<"releaseHold"> = async ({ holdId }, ctx) => {
  const id = holdId.toLowerCase();
  return { holdId: id, status: await ctx.transactional(({ em }) => releaseHeld(em, id)) };
};
