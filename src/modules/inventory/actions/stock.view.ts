import type { Stock } from "../contract.ts";
import type { StockEntity } from "../entities/stock.entity.ts";

export function toStock(productId: string, entity: StockEntity | null): Stock {
  return { productId, available: entity?.available ?? 0, reserved: entity?.reserved ?? 0, sold: entity?.sold ?? 0 };
}
