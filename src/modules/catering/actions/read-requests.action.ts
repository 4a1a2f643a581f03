import type { FilterQuery } from "@mikro-orm/core";
import { DEFAULT_LIMIT, type ParamsOf, type ResultOf } from "../../../broker/contract-kit.ts";
import { forbidden } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { newestFirstKey, olderThan, toPage } from "../../../broker/pagination.ts";
import type { Catering, CateringRequest } from "../contract.ts";
import { RequestEntity } from "../entities/request.entity.ts";
import { findVisibleRequest } from "./find-visible-request.ts";
import { toRequest } from "./request.view.ts";

export async function getRequest(params: ParamsOf<typeof Catering.actions.getRequest>, ctx: ActionContext): Promise<CateringRequest> {
  return toRequest(await findVisibleRequest(ctx, ctx.em, params.id));
}

/** A customer's own requests, or for an admin everyone's (or one user's); newest first, keyset-paged on (created_at, id). */
export async function listRequests(params: ParamsOf<typeof Catering.actions.listRequests>, ctx: ActionContext): Promise<ResultOf<typeof Catering.actions.listRequests>> {
  const user = ctx.user as NonNullable<ActionContext["user"]>;
  const admin = user.roles.includes("admin");
  if (params.userId !== undefined && !admin) throw forbidden("Only admins may list another user's catering requests.");
  const limit = params.limit ?? DEFAULT_LIMIT;
  const owner = admin ? params.userId?.toLowerCase() : user.id;
  const where: FilterQuery<RequestEntity> = {
    ...(owner ? { userId: owner } : {}),
    ...(params.status ? { status: params.status } : {}),
    ...(params.cursor ? olderThan(params.cursor) : {}),
  };
  const rows = await ctx.em.find(RequestEntity, where, { orderBy: { createdAt: "desc", id: "desc" }, limit: limit + 1 });
  return toPage(rows, limit, toRequest, newestFirstKey);
}
