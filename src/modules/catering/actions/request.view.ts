import type { CateringRequest } from "../contract.ts";
import type { RequestEntity } from "../entities/request.entity.ts";

/** A `date` column as YYYY-MM-DD: PostgreSQL's driver hands over the text, PGlite's a Date at UTC midnight. */
function calendarDate(value: string | Date): string {
  return typeof value === "string" ? value : value.toISOString().slice(0, 10);
}

export function toRequest(entity: RequestEntity): CateringRequest {
  return {
    id: entity.id,
    userId: entity.userId,
    status: entity.status,
    eventDate: calendarDate(entity.eventDate as string | Date),
    guests: entity.guests,
    items: entity.items,
    subtotalCents: entity.subtotalCents,
    discountPercent: entity.discountPercent,
    discountCents: entity.discountCents,
    totalCents: entity.totalCents,
    currency: entity.currency,
    notes: entity.notes,
    declineReason: entity.declineReason ?? null,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}
