import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

export type ReservationStatus = "held" | "committed" | "released";
export interface ReservationLine {
  productId: string;
  quantity: number;
}

/** The units one order holds (`held`), bought (`committed`) or gave back (`released`). */
export const ReservationEntity = defineEntity({
  name: "Reservation",
  tableName: "reservations",
  properties: {
    orderId: p.uuid().primary(),
    status: p.string().$type<ReservationStatus>(),
    lines: p.json<ReservationLine[]>(),
    expiresAt: p.datetime(3),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type ReservationEntity = InferEntity<typeof ReservationEntity>;
