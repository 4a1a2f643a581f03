/**
 * The steps of a request's life after it is made. Each status change is one conditional update
 * (`where status in (...)`), so two admins deciding at once, or a customer cancelling while an
 * admin confirms, end in one state; the loser answers `invalid_state`.
 */
import type { ParamsOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Inventory } from "../../inventory/contract.ts";
import { Catering, type CateringRequest } from "../contract.ts";
import { settleStock, type StockMove } from "../domain/stock-moves.ts";
import { RequestEntity } from "../entities/request.entity.ts";
import { findVisibleRequest } from "./find-visible-request.ts";
import { toRequest } from "./request.view.ts";

type Status = CateringRequest["status"];

/** `from` → `to` with what that owes inventory, or invalid_state; answers the request as it now is. */
async function move(ctx: ActionContext, id: string, from: Status[], to: Status, owed: StockMove | null, extra: Partial<RequestEntity> = {}): Promise<CateringRequest> {
  const changed = await ctx.em.nativeUpdate(RequestEntity, { id, status: { $in: from } }, { status: to, stockMove: owed, updatedAt: new Date(), ...extra });
  if (changed === 0) throw Catering.errors.invalidState.error(`Only a request that is ${from.join(" or ")} can become ${to}.`);
  if (owed) await settleStock(ctx, id, owed);
  return toRequest(await ctx.em.findOneOrFail(RequestEntity, { id }, { refresh: true }));
}

export async function confirmRequest(params: ParamsOf<typeof Catering.actions.confirmRequest>, ctx: ActionContext): Promise<CateringRequest> {
  const request = await findVisibleRequest(ctx, ctx.em, params.id);
  if (request.status === "confirmed") return toRequest(request);
  if (request.status !== "requested") throw Catering.errors.invalidState.error("Only a requested catering request can be confirmed.");
  try {
    await ctx.call(Inventory.actions.holdStock, { holdId: request.id, lines: request.items.map(({ productId, quantity }) => ({ productId, quantity })) });
  } catch (error) {
    if (Inventory.errors.outOfStock.is(error)) throw Catering.errors.outOfStock.error(undefined, { members: { productIds: (error.data as { members: { productIds: string[] } }).members.productIds } });
    // Released under this id: the request was declined or cancelled meanwhile.
    if (Inventory.errors.holdReleased.is(error)) throw Catering.errors.invalidState.error("The request was decided meanwhile.");
    throw error;
  }
  // Lost to a decline or cancellation that came in meanwhile: theirs releases what was just held.
  return move(ctx, request.id, ["requested"], "confirmed", null);
}

export async function declineRequest(params: ParamsOf<typeof Catering.actions.declineRequest>, ctx: ActionContext): Promise<CateringRequest> {
  const request = await findVisibleRequest(ctx, ctx.em, params.id);
  return move(ctx, request.id, ["requested"], "declined", "release", { declineReason: params.reason ?? null });
}

export async function cancelRequest(params: ParamsOf<typeof Catering.actions.cancelRequest>, ctx: ActionContext): Promise<CateringRequest> {
  const request = await findVisibleRequest(ctx, ctx.em, params.id);
  return move(ctx, request.id, ["requested", "confirmed"], "cancelled", "release");
}

export async function fulfilRequest(params: ParamsOf<typeof Catering.actions.fulfilRequest>, ctx: ActionContext): Promise<CateringRequest> {
  const request = await findVisibleRequest(ctx, ctx.em, params.id);
  return move(ctx, request.id, ["confirmed"], "fulfilled", "sell");
}
