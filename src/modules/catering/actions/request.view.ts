import type { CateringRequest } from "../contract.ts";
import type { RequestEntity } from "../entities/request.entity.ts";

export function toRequest(entity: RequestEntity): CateringRequest {
  return {
    id: entity.id,
    userId: entity.userId,
    status: entity.status,
    eventDate: entity.eventDate,
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
