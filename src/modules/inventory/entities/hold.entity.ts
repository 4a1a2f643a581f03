import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import type { ReservationLine } from "./reservation.entity.ts";

export type HoldStatus = "held" | "sold" | "released";

/** Units kept for a holder other than an order (catering), under the holder's id, until it sells or releases them. */
export const HoldEntity = defineEntity({
  name: "Hold",
  tableName: "holds",
  properties: {
    holdId: p.uuid().primary(),
    status: p.string().$type<HoldStatus>(),
    lines: p.json<ReservationLine[]>(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type HoldEntity = InferEntity<typeof HoldEntity>;
