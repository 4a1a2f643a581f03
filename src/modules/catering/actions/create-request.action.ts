import { randomUUID } from "node:crypto";
import type { ParamsOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Catalog } from "../../catalog/contract.ts";
import { Catering, type CateringRequest } from "../contract.ts";
import { eventDateInRange, quote } from "../domain/pricing.ts";
import { RequestEntity } from "../entities/request.entity.ts";
import { toRequest } from "./request.view.ts";

/** Quoted from the catalog at this moment; nothing is held until an admin confirms. */
export async function createRequest(params: ParamsOf<typeof Catering.actions.createRequest>, ctx: ActionContext): Promise<CateringRequest> {
  const user = ctx.user as NonNullable<ActionContext["user"]>;
  const now = new Date();
  if (!eventDateInRange(params.eventDate, now)) throw Catering.errors.eventDateOutOfRange.error("The event must be 2 to 365 days after today (UTC).");
  const ids = [...new Set(params.items.map((line) => line.productId.toLowerCase()))];
  const { items: products } = await ctx.call(Catalog.actions.getProducts, { ids });
  const priced = quote(params.items, params.guests, products);
  const entity = ctx.em.create(RequestEntity, {
    id: randomUUID(),
    userId: user.id,
    status: "requested",
    eventDate: params.eventDate,
    guests: params.guests,
    ...priced,
    notes: params.notes ?? "",
    declineReason: null,
    stockMove: null,
    createdAt: now,
    updatedAt: now,
  });
  await ctx.em.flush();
  return toRequest(entity);
}
