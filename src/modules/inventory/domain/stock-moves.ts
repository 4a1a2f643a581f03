/**
 * Every change to stock is one conditional UPDATE per product, run inside the caller's transaction:
 * `available` never goes below zero however many orders race for the last units (no read-then-write).
 */
import type { ModuleEntityManager } from "../../../broker/database.ts";
import { validationFailed } from "../../../broker/errors.ts";
import type { ReservationLine } from "../entities/reservation.entity.ts";

/**
 * An order's reservation is held and sold in one statement each (migrations/0004, commitReservations);
 * giving back, and holding and selling a hold (domain/holds.ts), happen here.
 */
type Move = "hold" | "unhold" | "unsell" | "sell";

const SET: Record<Move, string> = {
  hold: "available = available - ?, reserved = reserved + ?",
  unhold: "reserved = reserved - ?, available = available + ?",
  unsell: "sold = sold - ?, available = available + ?",
  sell: "reserved = reserved - ?, sold = sold + ?",
};
const GUARD: Record<Move, string> = { hold: "available", unhold: "reserved", unsell: "sold", sell: "reserved" };

/** A product on two lines would be held twice but sold once (each stock row moves once per line set). */
export function refuseRepeatedProducts(lines: { productId: string }[]): void {
  const seen = new Set<string>();
  lines.forEach(({ productId }, index) => {
    if (seen.has(productId.toLowerCase())) throw validationFailed([{ path: `/lines/${index}/productId`, message: "lists a product that an earlier line already lists" }]);
    seen.add(productId.toLowerCase());
  });
}

/** Moves the lines' units; false (and nothing moved for that line) when a product lacks them. */
export async function moveStock(em: ModuleEntityManager, move: Move, lines: ReservationLine[]): Promise<boolean> {
  // A fixed order of rows, so two transactions moving the same products never deadlock.
  const sorted = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
  for (const { productId, quantity } of sorted) {
    const result = await em
      .getConnection()
      .execute<{ affectedRows: number }>(
        `update inventory.stock set ${SET[move]}, updated_at = now() where product_id = ? and ${GUARD[move]} >= ?`,
        [quantity, quantity, productId, quantity],
        "run",
        em.getTransactionContext(),
      );
    if (result.affectedRows !== 1) return false;
  }
  return true;
}
