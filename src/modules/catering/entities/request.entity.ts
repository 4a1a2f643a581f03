import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import type { CateringRequest } from "../contract.ts";

/**
 * `stockMove` is the inventory step a cancellation or fulfilment still owes (release or sell the
 * held units): set in the same update as the status, cleared once inventory has done it, so a
 * step that could not reach inventory is retried by workers/settle-stock.worker.ts.
 */
export const RequestEntity = defineEntity({
  name: "CateringRequest",
  tableName: "requests",
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid(),
    status: p.string().$type<CateringRequest["status"]>(),
    eventDate: p.string(),
    guests: p.integer(),
    items: p.json<CateringRequest["items"]>(),
    subtotalCents: p.bigint("number"),
    discountPercent: p.integer(),
    discountCents: p.bigint("number"),
    totalCents: p.bigint("number"),
    currency: p.string(),
    notes: p.text(),
    declineReason: p.text().nullable(),
    stockMove: p.string().$type<"release" | "sell">().nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type RequestEntity = InferEntity<typeof RequestEntity>;
